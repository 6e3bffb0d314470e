"""MoE token-to-expert load balancing: exact BIP, BIP dual, loss-free bias, Sinkhorn, greedy, expert choice, LLEP spill."""
