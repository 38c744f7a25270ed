"""Jeu de données synthétique à l'échelle nationale (générateur : `generateur.py`)."""
