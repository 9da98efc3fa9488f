import datetime

from django.utils import timezone

from skypark.accounts import services
from skypark.accounts.models import Child, Merchant, MerchantApiKey, MerchantMembership, User

STAFF_PHONE, STAFF_PASSWORD = "+996700000001", "skypark-admin-2026"
CUSTOMER_PHONE, CUSTOMER_PASSWORD = "+996555000000", "skypark-demo-2026"
MERCHANTS = [
    ("Sky Park Bishkek", "skypark-bishkek", "park@skypark.kg"),
    ("Чайхана Навруз", "navruz-cafe", "hello@navruz.kg"),
    ("Bookshop Kitep", "kitep-books", "shop@kitep.kg"),
]


def seed(command):
    out = command.stdout
    staff, created = User.objects.get_or_create(
        phone=STAFF_PHONE,
        defaults={
            "name": "Sky Park Admin",
            "email": "admin@skypark.kg",
            "is_staff": True,
            "is_superuser": True,
            "language": "ru",
            "phone_verified": True,
        },
    )
    if created:
        staff.set_password(STAFF_PASSWORD)
        staff.save()

    customer = User.objects.filter(phone=CUSTOMER_PHONE).first()
    if customer is None:
        customer = services.customer_register(
            phone=CUSTOMER_PHONE,
            password=CUSTOMER_PASSWORD,
            name="Айгуль Демо",
            email="demo@skypark.kg",
            language="ru",
            birth_date=datetime.date(1992, 4, 12),
        )
    if not customer.children.exists():
        today = timezone.localdate()
        for name, years, gender in (("Алиса", 6, Child.Gender.FEMALE), ("Тимур", 2, Child.Gender.MALE)):
            born = today.replace(year=today.year - years) - datetime.timedelta(days=40)
            services.child_add(parent=customer, name=name, birth_date=born, gender=gender)

    for name, code, email in MERCHANTS:
        merchant = Merchant.objects.filter(code=code).first()
        if merchant is None:
            merchant = services.merchant_create(name=name, code=code, business_email=email, actor=staff)
            _key, plaintext = services.api_key_issue(merchant=merchant, name="Demo POS", actor=staff)
            out.write(f"  API key for {code} (shown once): {plaintext}")
            _key, plaintext = services.api_key_issue(
                merchant=merchant, name="Demo sandbox", actor=staff, mode=MerchantApiKey.Mode.TEST
            )
            out.write(f"  Test API key for {code} (shown once): {plaintext}")
        MerchantMembership.objects.get_or_create(merchant=merchant, user=staff, defaults={"role": "owner"})

    out.write(f"  Staff login:    {STAFF_PHONE} / {STAFF_PASSWORD}   (http://127.0.0.1:8000/admin/)")
    out.write(f"  Customer login: {CUSTOMER_PHONE} / {CUSTOMER_PASSWORD}   (http://127.0.0.1:8000/accounts/login/)")
