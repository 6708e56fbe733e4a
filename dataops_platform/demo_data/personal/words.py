"""The personal-analytics generator's own tables: devices, sport profiles, spending, merchants."""

from __future__ import annotations

from typing import NamedTuple


class Device(NamedTuple):
    """A smart-home device: where it is, what it reports (metric, unit) and, for a plug, its mean
    power draw in kW."""

    device_id: str
    room: str
    series: tuple[tuple[str, str], ...]
    load_kw: float = 0.0


DEVICES = (
    Device("plug-kitchen-01", "kitchen", (("energy", "kWh"),), 0.15),  # fridge, kettle, oven
    Device("plug-living_room-01", "living_room", (("energy", "Wh"),), 0.09),  # an older plug: reports Wh
    Device("plug-office-01", "office", (("energy", "kWh"),), 0.06),
    Device("plug-bedroom-01", "bedroom", (("energy", "kWh"),), 0.02),
    Device("climate-living_room-01", "living_room", (("temperature", "°C"), ("humidity", "%"))),
    Device("climate-bedroom-01", "bedroom", (("temperature", "°F"), ("humidity", "%"))),  # an imported sensor
    Device("climate-bathroom-01", "bathroom", (("temperature", "°C"), ("humidity", "%"))),
)
# Decimal places each unit is written with.
PLACES = {"kWh": 3, "Wh": 1, "°C": 1, "°F": 1, "%": 1}


class Sport(NamedTuple):
    """How often a sport is done and what an activity of it looks like."""

    weight: float
    minutes: float  # median duration
    speed_kmh: float  # 0: indoor, no distance
    heart_rate: int  # mean average heart rate
    kcal_per_minute: float


ACTIVITY_IDS = (4_100_000_000, 10)  # (first id, digits) of the watch platform's activity ids
BOOKING_REFS = (20_260_000_000_000, 14)  # of the bank's booking references

SPORTS = {
    "running": Sport(0.35, 45, 10.5, 152, 11.0),
    "cycling": Sport(0.25, 75, 24.0, 136, 9.0),
    "swimming": Sport(0.10, 40, 2.6, 131, 8.5),
    "walking": Sport(0.15, 50, 5.0, 101, 4.5),
    "hiking": Sport(0.05, 180, 4.0, 117, 6.5),
    "strength": Sport(0.10, 50, 0.0, 112, 6.0),
}

# Bookings: category -> (weight, median amount in cents; negative = a debit). Income here is
# refunds and transfers in; the salary is booked on its own (SALARY).
SPENDING = {
    "groceries": (0.34, -3_850),
    "restaurants": (0.15, -2_400),
    "transport": (0.15, -1_900),
    "shopping": (0.12, -4_500),
    "leisure": (0.10, -3_000),
    "health": (0.05, -2_200),
    "utilities": (0.03, -6_500),
    "housing": (0.01, -45_000),
    "income": (0.05, 2_500),
}
CURRENCY_P = {"EUR": 0.94, "USD": 0.03, "GBP": 0.02, "CHF": 0.01}
SALARY = ("Muster & Söhne GmbH", 345_000)  # on the first booked day of every month, in EUR
MERCHANTS = {
    "groceries": ("Bäckerei Schäfer", "Supermarché Léon", "Biomarkt Grün", "Épicerie Zoë"),
    "restaurants": ("Café Müller", "Crêperie Sœur Anne", "Trattoria Nonna", "Döner Kebap Öz"),
    "transport": ("Deutsche Bahn", "Tankstelle Köhler", "Stadtwerke Ticket", "Taxi Lukas"),
    "shopping": ("Buchhandlung Bücherwurm", "Galeries Lafayette", "Elektro Maßer", "Schuhhaus Hübner"),
    "leisure": ("Kino Olympia", "Schwimmbad Süd", "Konzerthaus Wien", "Museum Café"),
    "health": ("Apotheke am Markt", "Dr. Jäger Praxis", "Optik Fielmann"),
    "utilities": ("Stadtwerke Strom", "Télécom Orange", "Wasserwerke Nord"),
    "housing": ("Hausverwaltung König", "Möbelhaus Höffner"),
    "income": ("Rückerstattung Amazon", "Überweisung A. Weiß", "Steuererstattung"),
}
