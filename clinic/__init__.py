"""Shared package of the clinic assistant: knowledge lexicons, settings and storage.

Imported by the NLU components (`clinic_nlu`), the actions (`actions`) and the tests alike, never copied.
"""
