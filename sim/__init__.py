"""capsim: an agent-based model of humanitarian capacity building, strengthening and sharing.

Architecture (one concept per file):

====================  =============================================================================
``params.py``         parameter registry: every number with meaning, unit, range, source
``outcomes.py``       outcome registry: every recorded quantity with label and unit
``rng.py``            named random streams (common random numbers across scenarios)
``kinds.py``          kinds of organisation and the constants every mechanism shares (a leaf module)
``model.py``          ``CapacityModel``: the Mesa model and its weekly phase order
``areas.py``          districts, populations, access difficulty, needs by sector
``country.py``        a country from data: areas, organisations, staff, funding (validated, no I/O)
``hxl_io.py``         reading/writing that data as HXL-tagged CSV (3W, needs, funding) with libhxl
``crises.py``         rapid-onset shocks, protracted crises, response measures (response time, 72 hours)
``organisations.py``  local/national and international actors (Mesa agents + state arrays)
``staff.py``          staff as arrays: skills, pay, hiring, leaving
``donors.py``         donors (Mesa agents): funding rounds, emergency reserves
``funding.py``        grants, disbursement, pass-through, overheads, money ledger
``partnerships.py``   matching, trust and renewal, the sharing earmark, who takes part, money to partners
``regimes.py``        the regimes' rules (co-design included) and the learning they cause
``learning.py``       the learning law (close a share of the gap to a teacher) and bilateral barter
``access.py``         what contextual capacity buys: the access factor (reach, knowledge) and operating risk
``networks.py``       Watts-Strogatz small-world networks (local peer network, docking)
``turnover.py``       pay, quits, layoffs, hiring, poaching (brain drain), exit
``governance.py``     who decides: partnership decision weight, whose knowledge steers money and staff
``coordination.py``   gap visibility, allocation of staff to areas, expansion, surge
``delivery.py``       salaries and service delivery, coverage
``record.py``         per-step recording into preallocated arrays
``probes.py``         measurements that are not weekly outcomes (training applied after 1/26/52 weeks)
``results.py``        run a model, write Parquet + metadata.json with provenance
``docking/``          published models re-run with these mechanisms: March 1991, Cowan & Jonard 2004
====================  =============================================================================
"""

from .params import ConfigError, Params

__all__ = ["CapacityModel", "ConfigError", "Params", "RunResult", "run", "write_run", "read_run"]

_LAZY = {"CapacityModel": ".model", "RunResult": ".results", "run": ".results", "write_run": ".results",
         "read_run": ".results"}


def __getattr__(name: str):
    """The model and the run functions import Mesa (about 1.7 s); load them on first use, so that
    commands that only read parameters (``capsim params``, planning a sweep) start quickly."""
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
