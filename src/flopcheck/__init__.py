"""flopcheck: can I train this model on this hardware — how long, and does it fit?"""

__version__ = "0.1.0"
