from skypark.privacy.registry import not_personal

not_personal("core.StaffJob.created_by", reason="the member of staff who started a background job")
