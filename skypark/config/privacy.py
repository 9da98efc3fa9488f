from skypark.privacy.registry import not_personal

not_personal("config.SystemSetting.updated_by", reason="the member of staff who changed a setting")
