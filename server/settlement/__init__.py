"""Settlement: paying venues what was redeemed and booked at them (README.md)."""
