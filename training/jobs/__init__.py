"""Jobs: the retrain steps, evaluation drivers and reports; only training/cli.py imports them."""
