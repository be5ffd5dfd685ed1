"""Studies over the factor space: the factors (levers and uncertainties, ``factors.py``, read from
the parameter registry), the evaluator (``evaluate.py``), calibration, sensitivity analysis and
scenario discovery, and what their commands share (``app.py``)."""
