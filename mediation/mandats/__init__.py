"""Mandates (Aidants Connect-style): create, list, renew, revoke, print, verify, keep.

Modules by verb and noun: ``models`` (tables), ``lecture`` (state, lists, reminder), ``creation``,
``revocation``, ``impression``, ``verification``, ``retention`` (keeping rules and erasure),
``integrite`` (integrity code and QR), ``templates`` (versioned legal text), ``pdf``, ``cli`` and
``demo``. Importing the package itself loads none of them.
"""
