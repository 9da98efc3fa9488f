"""The generated coverage check: every reference to the user model is exported and erased
by some app, or declared not personal."""

from skypark.privacy import registry


def test_every_reference_to_the_user_model_is_covered_or_declared_not_personal():
    uncovered = registry.uncovered_user_references()
    assert uncovered == [], (
        "These fields point at the user model but no app's privacy module exports them or declares them not "
        f"personal: {uncovered}. Add them to a Section's covers, or call not_personal(...) with the reason."
    )


def test_no_declaration_names_a_field_that_does_not_exist():
    assert registry.unknown_declarations() == []


def test_the_check_sees_a_new_reference(monkeypatch):
    monkeypatch.setattr(registry, "user_references", lambda: ["accounts.Child.parent", "newapp.Diary.author"])
    assert registry.uncovered_user_references() == ["newapp.Diary.author"]


def test_every_domain_contributes_a_section():
    keys = {section.key for section in registry.sections()}
    assert {"accounts", "notifications", "orders", "parks", "loyalty", "events", "bookings", "privacy"} <= keys
