from .models import CashDesk

DESKS = [
    ("ASIA1", "Sky Park Asia Mall — касса 1", "Бишкек, ТРЦ «Азия Молл»"),
    ("DORDOI1", "Sky Park Dordoi Plaza — касса 1", "Бишкек, ТРЦ «Дордой Плаза»"),
    ("OSH1", "Sky Park Osh — касса 1", "Ош"),
]


def seed(command):
    for code, name, location in DESKS:
        CashDesk.objects.get_or_create(code=code, defaults={"name": name, "location": location})
