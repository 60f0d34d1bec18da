"""One module per page family; :mod:`.base` holds the sign-in/CSRF/error wrapper they share."""
