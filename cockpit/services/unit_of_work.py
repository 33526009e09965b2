"""``transaction()``: the one way a service writes.

Every write of a use case runs inside ``with transaction(session, what="..."):``. On success
the session is committed; on any exception it is rolled back, so nothing is half-written.
Database-level failures are translated once, here, into the typed errors the adapters show:

* ``StaleDataError`` (optimistic lock, ``version_id_col``) -> :class:`ConflictError`
* ``IntegrityError`` (unique/foreign-key constraint)       -> :class:`ValidationError`
* ``DataError`` (a value the database refuses)             -> :class:`ValidationError`
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cockpit.domain.errors import ConflictError, ValidationError

log = logging.getLogger(__name__)


@contextmanager
def transaction(session: Session, what: str) -> Iterator[Session]:
    """Commit the block's writes, or roll all of them back and raise a typed error.

    ``what`` names the write for the log (e.g. ``"area 12 update"``).
    """
    try:
        yield session
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        log.warning("optimistic lock failed for %s: %s", what, exc)
        raise ConflictError(f"stale {what}: {exc}") from exc
    except IntegrityError as exc:
        session.rollback()
        log.warning("integrity error in %s: %s", what, exc.orig)
        raise ValidationError(
            f"integrity error in {what}: {exc.orig}",
            "Der Eintrag widerspricht einem vorhandenen Datensatz (doppelter Eintrag?).",
        ) from exc
    except DataError as exc:
        session.rollback()
        log.warning("database refused a value in %s: %s", what, exc.orig)
        raise ValidationError(
            f"data error in {what}: {exc.orig}",
            "Ein Wert hat ein ungültiges Format oder ist zu lang.",
        ) from exc
    except BaseException:
        session.rollback()
        raise
