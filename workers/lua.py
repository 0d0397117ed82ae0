"""Lua shared by the Redis scripts of slots, breaker and guard.

Scripts are composed from ``local function`` snippets so that the guard can do in one round
trip what the slot pool and the breaker each do in one (see guard.py).
"""

#: Defines ``now``: Redis server time in milliseconds, so worker clocks never matter.
NOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
"""
