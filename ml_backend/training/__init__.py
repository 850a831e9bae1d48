"""Training helpers: the synthetic shapes data set and the script that trains the shipped detector."""
