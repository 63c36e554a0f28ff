"""Call-backs: a promised call, routed to a working officer, its attempts recorded."""
