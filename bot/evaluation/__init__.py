"""Evaluation: run question sets through the tutor, score them, and report what failed and why.

Modules: `dataset` (load and validate sets), `metrics` (score answers), `runner` (ask the tutor),
`report` (JSON, CSV, HTML), `compare` (diff two runs), `command` (`bot eval`), `ui` (app tab).
"""
