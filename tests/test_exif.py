"""The camera's facts as the viewer and photo_info show them, read from EXIF that a real camera's tags make."""
from __future__ import annotations

from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from photoclip import exif


def camera_jpeg(path, *, gps=True, overrides=None):
    """A JPEG with the EXIF a phone or camera writes (make, model, lens, exposure, GPS...)."""
    img = Image.new("RGB", (64, 48), (90, 140, 200))
    tags = img.getexif()
    tags[exif.MAKE], tags[exif.MODEL] = "Canon", "Canon EOS R6"
    sub = tags.get_ifd(exif.EXIF_IFD)
    sub.update({exif.EXPOSURE: IFDRational(1, 250), exif.FNUMBER: IFDRational(28, 10), exif.ISO: 400,
                exif.FOCAL: IFDRational(35, 1), exif.FOCAL_35: 35, exif.FLASH: 16, exif.LENS_MODEL: "RF35mm F1.8"})
    sub.update(overrides or {})
    if gps:  # Lisbon, west of Greenwich: a negative longitude
        tags.get_ifd(exif.GPS_IFD).update({1: "N", 2: (IFDRational(38), IFDRational(43), IFDRational(1152, 100)),
                                           3: "W", 4: (IFDRational(9), IFDRational(8), IFDRational(24)),
                                           5: b"\x00", 6: IFDRational(85, 1)})
    img.save(path, exif=tags)
    return path


def test_a_cameras_facts_in_the_words_people_read(tmp_path):
    facts = exif.camera_facts(str(camera_jpeg(tmp_path / "a.jpg")))
    assert facts["camera"] == "Canon EOS R6"  # the make is not said twice
    assert facts["lens"] == "RF35mm F1.8"
    assert facts["exposure"] == "1/250 s" and facts["aperture"] == "f/2.8" and facts["iso"] == 400
    assert facts["focal_length"] == "35 mm" and facts["flash"] is False
    assert facts["gps"] == {"lat": 38.719867, "lon": -9.14, "altitude": 85.0}  # 38°43′11.52″ N, 9°8′24″ W


def test_long_exposures_crop_factors_and_a_fired_flash(tmp_path):
    facts = exif.camera_facts(str(camera_jpeg(tmp_path / "b.jpg", gps=False, overrides={
        exif.EXPOSURE: IFDRational(5, 2), exif.FOCAL: IFDRational(43, 10), exif.FOCAL_35: 26, exif.FLASH: 1})))
    assert facts["exposure"] == "2.5 s" and facts["flash"] is True
    assert facts["focal_length"] == "4.3 mm (26 mm in 35 mm terms)" and "gps" not in facts


def test_photos_without_exif_or_with_nonsense_in_it_give_what_there_is(tmp_path):
    plain = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(plain)
    assert exif.camera_facts(str(plain)) == {}
    (tmp_path / "junk.jpg").write_bytes(b"not an image")
    assert exif.camera_facts(str(tmp_path / "junk.jpg")) == {}
    odd = camera_jpeg(tmp_path / "odd.jpg", gps=False, overrides={exif.EXPOSURE: IFDRational(0, 0), exif.ISO: 0})
    facts = exif.camera_facts(str(odd))
    assert "exposure" not in facts and "iso" not in facts and facts["aperture"] == "f/2.8"
