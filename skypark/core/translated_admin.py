"""Admin for translated content: the language versions of one field side by side in one row
of the change form, and a search that finds a text in any language."""

from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from .translated import search_paths


class AnyLanguageSearchMixin:
    """Search paths that end in a translated field (``name``, ``course__name``) search that
    field in every language; for any ModelAdmin, translated or not."""

    def get_search_fields(self, request):
        expanded = []
        for term in super().get_search_fields(request):
            prefix = term[0] if term[:1] in ("^", "=", "@") else ""
            expanded += [prefix + path for path in search_paths(self.model, term[len(prefix) :])]
        return expanded


class SideBySideMixin(AnyLanguageSearchMixin):
    """Puts the language versions of one field in one row of the change form, whether the
    admin declares fieldsets or not."""

    def get_fieldsets(self, request, obj=None):
        return [
            (name, {**options, "fields": self._language_rows(options["fields"])})
            for name, options in super().get_fieldsets(request, obj)
        ]

    def _language_rows(self, fields):
        original_of = {
            localized.name: original
            for original, localized_set in self.trans_opts.all_fields.items()
            for localized in localized_set
        }
        rows, current = [], None
        for item in fields:
            original = original_of.get(item) if isinstance(item, str) else None
            if original is not None and original == current:
                rows[-1].append(item)
            else:
                rows.append([item] if original is not None else item)
            current = original
        return [(tuple(row) if len(row) > 1 else row[0]) if isinstance(row, list) else row for row in rows]


class TranslatedAdmin(SideBySideMixin, TranslationAdmin):
    class Media:
        css = {"all": ("admin/css/translated-fields.css",)}


class TranslatedTabularInline(TranslationTabularInline):
    class Media:
        css = {"all": ("admin/css/translated-fields.css",)}
