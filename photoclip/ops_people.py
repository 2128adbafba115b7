"""The operations about people (faces found in photos, grouped into people, and the user's word about them); they
join ops.OPERATIONS."""
from __future__ import annotations

from .opsregistry import operation, photo_at


# -- people ------------------------------------------------------------------------------------------
def _person_out(lib, person: dict, covers: dict | None = None) -> dict:
    """A person as every front end shows them: {"id", "name", "label", "hidden", "faces", "photos", "cover",
    "cover_path", "cover_box"}; `label` is the name, or "Person N" until they are named.  `covers`: the cover
    faces' facts, read at once for a list of people."""
    if covers is None:
        covers = lib.catalog.face_facts([person["cover"]]) if person.get("cover") else {}
    cover = covers.get(person.get("cover"))
    return {**person, "label": person["name"] or f"Person {person['id']}",
            "cover_path": cover["path"] if cover else None, "cover_box": cover["box"] if cover else None}


@operation()
def people(lib, hidden: bool = False) -> dict:
    """Everyone with faces in the library, named people first: {"people": [...], "faces": {status counts}}.
    `hidden`: include the people the user hid."""
    found = lib.catalog.people(include_hidden=hidden)
    covers = lib.catalog.face_facts([p["cover"] for p in found if p["cover"]])
    return {"people": [_person_out(lib, p, covers) for p in found], "faces": lib.faces_status()}


@operation()
def people_show(lib, person: str) -> dict:
    """One person (by name or number) and their photos, newest first: {"person", "photos": [{"id", "path",
    "taken"}]}."""
    pid = lib.people.resolve(person)
    rows = lib.catalog.filtered(_person_query(pid))
    return {"person": _person_out(lib, lib.catalog.person(pid)),
            "photos": lib.catalog.mark_videos([{"id": i, "path": p, "taken": t} for i, p, t in rows])}


def _person_query(pid: int):
    from .query import Query

    return Query(person_ids=[pid])


@operation()
def faces_unsorted(lib, limit: int = 200) -> dict:
    """Faces that belong to no one yet (newest first), to name in bulk: {"faces": [{"id", "photo", "path",
    "box"}], "total"}."""
    ids = lib.catalog.unsorted_faces(max(0, min(limit, 5000)))
    facts = lib.catalog.face_facts(ids)
    return {"faces": [{"id": i, "photo": facts[i]["photo"], "path": facts[i]["path"], "box": facts[i]["box"]}
                      for i in ids if i in facts],
            "total": lib.catalog.face_counts(lib.face_engine.version)["unsorted"]}


@operation()
def faces_of(lib, path: str) -> dict:
    """The faces found in one photo: {"path", "state", "faces": [{"id", "box", "landmarks", "quality", "person",
    "name", "confirmed"}]}; state: "looked", "failed", "pending" or "off"."""
    photo = photo_at(lib, path)
    found = lib.catalog.face_state(photo.id)
    current = found is not None and found["engine"] == lib.face_engine.version and found["hash"] == photo.hash
    state = "off" if not lib.find_faces else (found["state"] if current else "pending")
    return {"path": photo.path, "id": photo.id, "state": state, "reason": found["reason"] if current else None,
            "faces": lib.catalog.faces_in(photo.id) if lib.find_faces else []}


@operation(write=True)
def people_name(lib, person: str, name: str) -> dict:
    """Name (or rename) a person, by name or number."""
    return _person_out(lib, lib.people.name(person, name))


@operation(write=True)
def people_merge(lib, into: str, other: str) -> dict:
    """Make two people one: `other`'s faces become `into`'s (who keeps their name)."""
    person = lib.people.merge(into, other)
    lib.albums.tag_people(None)
    return _person_out(lib, person)


@operation(write=True)
def people_hide(lib, person: str, hidden: bool = True) -> dict:
    return _person_out(lib, lib.people.hide(person, hidden))


@operation(write=True)
def faces_this_is(lib, faces: list[int], name: str) -> dict:
    """"This is NAME": these faces are that person's (a new person when no one has the name), for good."""
    person = lib.people.this_is(list(faces), name)
    lib.albums.tag_people(None)
    return _person_out(lib, person)


@operation(write=True)
def faces_not_this_person(lib, faces: list[int]) -> dict:
    """"Not this person": each face leaves its person and never rejoins them."""
    out = lib.people.not_this_person(list(faces))
    lib.albums.tag_people(None)
    return out


@operation(write=True)
def faces_not_a_face(lib, faces: list[int]) -> dict:
    """"Not a face": these finds are forgotten as faces (kept only so that they are not found again)."""
    out = lib.people.not_a_face(list(faces))
    lib.albums.tag_people(None)
    return out


@operation(write=True)
def set_find_faces(lib, on: bool) -> dict:
    """Turn finding faces on or off (off deletes every face and person): {"find_faces", "deleted"}."""
    return lib.set_find_faces(on)
