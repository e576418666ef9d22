"""powergames.analysis: the seed-003 interventions model and its sensitivity tools."""
