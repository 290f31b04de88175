"""Custom Rasa NLU components of the clinic assistant (referenced by name from config.yml)."""
