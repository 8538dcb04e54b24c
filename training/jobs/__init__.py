"""Jobs: the retrain steps, evaluation drivers and reports; only training/commands.py imports them."""
