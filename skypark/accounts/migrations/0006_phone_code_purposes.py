import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """The password-reset code becomes the SMS code of any purpose (the phone
    confirmation uses it too); existing rows keep working as password-reset codes."""

    dependencies = [
        ("accounts", "0005_password_reset_code"),
    ]

    operations = [
        migrations.RenameModel("PasswordResetCode", "PhoneCode"),
        migrations.AlterModelOptions(
            name="phonecode",
            options={"ordering": ["-created_at", "-pk"], "verbose_name": "SMS code", "verbose_name_plural": "SMS codes"},
        ),
        migrations.AlterField(
            model_name="phonecode",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="phone_codes",
                to=settings.AUTH_USER_MODEL,
                verbose_name="customer",
            ),
        ),
        migrations.AddField(
            model_name="phonecode",
            name="purpose",
            field=models.CharField(
                choices=[("password_reset", "password reset"), ("phone_verification", "phone verification")],
                default="password_reset",
                max_length=32,
                verbose_name="purpose",
            ),
        ),
        migrations.AddField(
            model_name="phonecode",
            name="phone",
            field=models.CharField(
                blank=True, help_text="The number the code was sent to.", max_length=16, verbose_name="phone"
            ),
        ),
    ]
