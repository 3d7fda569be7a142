"""Views, one module per page family; every view starts with an access helper from views.access."""
