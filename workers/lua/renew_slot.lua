-- include: server_time.lua
-- include: take_slot.lua
--
-- Extends the lease of a call still in flight (slots.py renews every lease_ttl / 3), by the
-- same rule that took it: if it expired meanwhile, it is taken again only where a slot is free.
--
-- KEYS: the endpoint's slots.
-- ARGV: limit, ttl_ms, token.
-- Returns 1 when the lease is held afterwards, 0 when it expired and the fleet is full.

return take_slot(KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], now_ms())
