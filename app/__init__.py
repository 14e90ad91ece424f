"""lofin: an open national local-finance platform for Korea's 243 local governments."""
