"""powergames.training: runs, evaluators, logging, plots and the command line."""
