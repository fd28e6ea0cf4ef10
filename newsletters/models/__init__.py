from .newsletter import Edition, EditionItem, Newsletter, Send
from .subscriber import SignupCounter, Subscriber, SubscriberMail, Subscription

__all__ = [
    "Edition",
    "EditionItem",
    "Newsletter",
    "Send",
    "SignupCounter",
    "Subscriber",
    "SubscriberMail",
    "Subscription",
]
