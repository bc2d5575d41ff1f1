# -*- coding: utf-8 -*-
# Copyright: netsync.fleet contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Private to the collection: the base of the lookups that read a site's store
(``netsync.fleet.change_notice``, ``netsync.fleet.search``).

``StoreLookup.run`` sets the options, calls the subclass's ``lookup(terms)``, turns a
``StoreError`` or one of the subclass's ``lookup_errors`` into an ``AnsibleLookupError`` that
starts with its ``lookup_name``, and wraps every item returned as unsafe: configuration text is
remote data and is never templated. ``open_store()`` opens the store of the ``store`` option
(documented once, in the doc fragment ``netsync.fleet.store.lookup``) without ever creating one.
"""
from __future__ import annotations

from typing import Any, Optional

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.netsync.fleet.plugins.module_utils.store import (
    Store, StoreError, default_store_url, open_store,
)


class StoreLookup(LookupBase):
    """A lookup over the store: a subclass sets ``lookup_name``, ``lookup_errors`` and ``lookup()``."""

    lookup_name = "netsync.fleet.<lookup>"  # starts every error message
    lookup_errors: tuple[type[Exception], ...] = ()  # the user's errors besides StoreError (a bad option)

    def run(self, terms: list[Any], variables: Optional[dict[str, Any]] = None, **kwargs: Any) -> list[Any]:
        self.set_options(var_options=variables, direct=kwargs)
        errors: tuple[type[Exception], ...] = (StoreError, *self.lookup_errors)
        try:
            items = self.lookup(terms)
        except errors as exc:
            raise AnsibleLookupError("%s: %s" % (self.lookup_name, exc)) from exc
        return [wrap_var(item) for item in items]

    def lookup(self, terms: list[Any]) -> list[Any]:
        """The items (options set); raises ``AnsibleLookupError`` for a misuse of its own."""
        raise NotImplementedError

    def open_store(self) -> Store:
        """The store of the ``store`` option (else ``$NETSYNC_STORE``, ``~/.netsync/fleet.db``); never created."""
        return open_store(self.get_option("store") or default_store_url(), create=False)
