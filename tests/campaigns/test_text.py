import unicodedata

from portal.text import nfc, vi_sort_key, vi_sorted


def test_nfc_composes_decomposed_vietnamese() -> None:
    decomposed = unicodedata.normalize("NFD", "Phường Ba Ngòi")
    assert decomposed != "Phường Ba Ngòi"
    assert nfc(decomposed) == "Phường Ba Ngòi"


def test_vietnamese_collation_orders_letters_as_the_alphabet() -> None:
    names = ["Đồng", "Ơn", "Ăn", "Dung", "Ông", "An", "Âm", "Bắc", "Ưng", "Uyên", "Ô Môn"]
    assert vi_sorted(names, key=str) == [
        "An", "Ăn", "Âm", "Bắc", "Dung", "Đồng", "Ô Môn", "Ông", "Ơn", "Uyên", "Ưng",
    ]


def test_tones_sort_after_the_bare_letter() -> None:
    words = ["má", "mạ", "ma", "mà", "mả", "mã"]
    assert sorted(words, key=vi_sort_key) == ["ma", "mà", "mả", "mã", "má", "mạ"]


def test_collation_ignores_normalisation_form() -> None:
    assert vi_sort_key(unicodedata.normalize("NFD", "Đặng"))[:2] == vi_sort_key("Đặng")[:2]
