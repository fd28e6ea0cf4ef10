from .keys import ApiKey
from .outbox import Attempt, Delivery, Endpoint, Event, EventType

__all__ = ["ApiKey", "Attempt", "Delivery", "Endpoint", "Event", "EventType"]
