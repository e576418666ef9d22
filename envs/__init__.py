"""powergames.envs: the games and their PettingZoo environments."""
