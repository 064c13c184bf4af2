"""How hwb writes to an s3:// index: the encryption arguments and the page mode, from
PublishOptions, HWB_* variables and configuration files (the option registry)."""

from __future__ import annotations

from pathlib import Path

import pytest

from headless_wheel_builder.config.registry import BY_NAME
from headless_wheel_builder.errors import ConfigError, UsageError
from headless_wheel_builder.publish.options import PublishOptions
from headless_wheel_builder.publish.s3 import encryption_args, write_settings

KEY = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def test_encryption_arguments() -> None:
    assert encryption_args(None, None) == {}
    assert encryption_args("bucket-default", None) == {}
    assert encryption_args("AES256", None) == {"ServerSideEncryption": "AES256"}
    assert encryption_args("aws:kms", None) == {"ServerSideEncryption": "aws:kms"}
    both = {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY}
    assert encryption_args("aws:kms", KEY) == both
    assert encryption_args(None, KEY) == both  # a key alone means aws:kms
    assert encryption_args("bucket-default", f" {KEY} ") == both
    assert encryption_args(None, "alias/packages")["SSEKMSKeyId"] == "alias/packages"
    assert encryption_args(None, "x" * 2048)["SSEKMSKeyId"] == "x" * 2048


@pytest.mark.parametrize(
    ("sse", "key", "message"),
    [
        ("AES256", KEY, "needs --sse aws:kms"),
        ("aws:kms:dsse", None, "unknown server-side encryption"),
        ("aes256", None, "unknown server-side encryption"),
        (None, "", "invalid --sse-kms-key-id"),
        (None, "alias/two words", "invalid --sse-kms-key-id"),
        (None, "key\x1b[31m", "invalid --sse-kms-key-id"),
        (None, "x" * 2049, "invalid --sse-kms-key-id"),
    ],
)
def test_bad_encryption_is_a_usage_error(sse: str | None, key: str | None, message: str) -> None:
    with pytest.raises(UsageError, match=message) as info:
        encryption_args(sse, key)
    assert info.value.exit_code == 2


def test_the_choices_are_the_registry_s() -> None:
    for choice in BY_NAME["s3-sse"].choices[1:]:
        assert encryption_args(choice, None) == {"ServerSideEncryption": choice}


def _options(tmp_path: Path, env: dict[str, str], **kwargs: object) -> PublishOptions:
    return PublishOptions(repository="s3://b/p", project_dir=tmp_path, environ={"HWB_USER_CONFIG": "", **env},
                          **kwargs)  # type: ignore[arg-type]  # fmt: skip


def test_nothing_given_sends_no_header_and_writes_both_page_keys(tmp_path: Path) -> None:
    settings = write_settings(_options(tmp_path, {}))
    assert settings.encryption == {}
    assert settings.index_html is False


def test_variables_files_and_options_in_order(tmp_path: Path) -> None:
    config = tmp_path / "hwb-user.toml"
    config.write_text(f's3-sse = "aws:kms"\ns3-sse-kms-key-id = "{KEY}"\ns3-index-html = true\n')
    settings = write_settings(_options(tmp_path, {}, config_file=config))
    assert settings.encryption == {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": KEY}
    assert settings.index_html is True
    # HWB_* over the file
    env = {"HWB_S3_SSE_KMS_KEY_ID": "alias/other", "HWB_S3_INDEX_HTML": "false"}
    settings = write_settings(_options(tmp_path, env, config_file=config))
    assert settings.encryption == {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": "alias/other"}
    assert settings.index_html is False
    # Options (flags) over both; the encryption is one pair: AES256 drops the configured key.
    settings = write_settings(_options(tmp_path, {}, config_file=config, sse="AES256", index_html=False))
    assert settings.encryption == {"ServerSideEncryption": "AES256"}
    assert settings.index_html is False
    assert write_settings(_options(tmp_path, {}, config_file=config, sse="bucket-default")).encryption == {}


def test_a_project_may_choose_the_page_keys_but_not_the_encryption(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.hwb]\ns3-sse = "bucket-default"\ns3-sse-kms-key-id = "{KEY}"\ns3-index-html = true\n'
    )
    settings = write_settings(_options(tmp_path, {"HWB_S3_SSE": "AES256"}))
    assert settings.encryption == {"ServerSideEncryption": "AES256"}  # the project's values are ignored
    assert settings.index_html is True
    assert "s3-sse-kms-key-id" in caplog.text
    with pytest.raises(ConfigError):
        write_settings(_options(tmp_path, {}, strict=True))


def test_a_configured_choice_that_is_not_one_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        write_settings(_options(tmp_path, {"HWB_S3_SSE": "kms"}))
    assert "HWB_S3_SSE: expected one of 'bucket-default', 'AES256', 'aws:kms'" in (info.value.details or "")
