"""Kinds of organisation and the constants every mechanism shares (a leaf module: it imports nothing of sim).

* :class:`OrgKind` - local and national actors (local NGOs, community-based organisations,
  national authorities) and international actors (international NGOs, UN agencies);
* :data:`KIND_PROFILE` - each kind's starting profile (all assumptions): relative size,
  institutional and network capacity at the start, number of sectors worked in;
* :data:`NO_PARTNER` - the partner index of a local organisation without a partnership;
* :data:`OPEN_ENDED` - the end step of an open-ended partnership (never reached).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

__all__ = ["OrgKind", "KIND_PROFILE", "NO_PARTNER", "OPEN_ENDED"]

NO_PARTNER = -1
OPEN_ENDED = np.iinfo(np.int64).max // 4


class OrgKind(IntEnum):
    LOCAL_NGO = 0
    COMMUNITY_ORG = 1
    NATIONAL_AUTHORITY = 2
    INGO = 3
    UN_AGENCY = 4

    @property
    def is_local(self) -> bool:
        return self <= OrgKind.NATIONAL_AUTHORITY


# Starting profile of each kind (all assumptions): relative size, institutional and network
# capacity at the start, number of sectors worked in.
# Local kinds' institutional capacity is relative to ``world.local_institutional_capacity``.
KIND_PROFILE = {
    OrgKind.LOCAL_NGO: dict(size=1.0, inst=1.0, net=0.3, sectors=2),
    OrgKind.COMMUNITY_ORG: dict(size=0.35, inst=0.6, net=0.25, sectors=1),
    OrgKind.NATIONAL_AUTHORITY: dict(size=8.0, inst=1.4, net=0.5, sectors=4),
    OrgKind.INGO: dict(size=12.0, inst=0.8, net=0.6, sectors=3),
    OrgKind.UN_AGENCY: dict(size=16.0, inst=0.85, net=0.7, sectors=2),
}
