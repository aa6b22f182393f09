"""Page « Mandats » and its parts: ``page`` (the page), ``table`` (its list model), ``wizard``
(new mandate), ``dialogs`` (renew, revoke), ``actions`` (work run off the GUI thread)."""
