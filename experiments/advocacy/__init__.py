"""For advocates: the levers a donor controls and the packages (``levers.py``), paired runs against
the status quo (``paired.py``), the live page (``live.py``, ``dashboard.py``) and the one-page
brief (``brief.py``)."""
