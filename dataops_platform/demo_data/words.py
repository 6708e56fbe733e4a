"""The generator's own words: names, email domains, pages, search terms and ticket subjects."""

from __future__ import annotations

FIRST_NAMES = ("Emma", "Liam", "Olivia", "Noah", "Ava", "Lucas", "Mia", "Ethan", "Sofia", "Mason",
               "Amelia", "Leo", "Chloe", "Jack", "Grace", "Henry", "Zoe", "Owen", "Lily", "Samuel",
               "Nora", "Daniel", "Ella", "Arjun", "Mei", "Omar", "Hana", "Mateo", "Ines", "Yusuf",
               "Priya", "Kenji", "Elena", "Tomas", "Aisha", "Felix", "Clara", "Ravi", "Julia", "Diego")
LAST_NAMES = ("Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Martinez", "Wilson",
              "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Clark", "Lewis",
              "Walker", "Hall", "Young", "King", "Wright", "Lopez", "Hill", "Green", "Adams", "Baker",
              "Nelson", "Carter", "Mitchell", "Patel", "Nguyen", "Kim", "Chen", "Silva", "Novak",
              "Rossi", "Muller", "Khan", "Sato")
EMAIL_DOMAINS = ("example.com", "example.org", "example.net", "mail.example.com")
EMAIL_DOMAIN_P = (0.55, 0.2, 0.15, 0.1)
# Per declared event type: the page's prefix and what follows it ("product" number, search
# "term" or nothing). Checked against the web_events contract when the vocabulary loads.
PAGES = {"page_view": ("/products/", "product"), "click": ("/products/", "product"),
         "add_to_cart": ("/cart?add=", "product"), "checkout": ("/checkout", ""),
         "login": ("/login", ""), "search": ("/search?q=", "term")}
SEARCH_TERMS = ("shoes", "jacket", "headphones", "coffee", "backpack", "lamp", "watch",
                "gift-card", "yoga-mat", "charger")
SUBJECTS = ("Refund request", "Order not delivered", "Wrong item received", "Cannot log in",
            "Payment declined", "Change delivery address", "Cancel my order", "Damaged package",
            "Question about invoice", "App crashes at checkout", "Update contact details",
            "Loyalty points missing")
SESSION_ID = ("S", 10)  # prefix and digits of session ids (the contract leaves them free)
