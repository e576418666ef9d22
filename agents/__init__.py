"""powergames.agents: who plays — fixed policies, classic learners and SB3 learners."""
