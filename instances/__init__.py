"""What is solved: problem definitions, file formats, generators."""
