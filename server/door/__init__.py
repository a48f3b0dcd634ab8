"""The door: venue scanner phones (enrolment, slots, retirement), their offline bundle,
the revocation list, and the sync of what they decided offline. README.md beside this
file states the rules and the loss bound."""
