"""Proven by traffic: the message processing logs of a pathway's iFlows, read by a message check, tell
whether the credential works for real (`classify` reads a failed message's error text, `watch` decides and
shows, `notify` tells the members once per failing streak)."""
