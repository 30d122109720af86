//! Small `deserialize_with` helpers for places where the live service is sloppier than
//! the spec (NOTES (j)): `null` where an array belongs, and error bodies whose fields
//! other than `errorCode` have odd types.
//!
//! Hand-written visitors rather than a JSON value type because this crate depends on
//! serde only (no serde_json at run time), and serde's buffering `Content` type is private.
//! This module must NOT be lenient about fields that decide meaning (ids, `errorCode`,
//! a page's `results` being present): a wrong body must still fail there.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// An array that may be `null`: `null` reads as empty; anything else must be an array.
pub(crate) fn null_as_empty<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// For error bodies: an array whose every odd shape is forgiven. `null`, an object or
/// a scalar other than a string... Concretely: an array keeps its elements (which must
/// themselves never fail, see [`ErrorParameter`](crate::ErrorParameter)); a lone scalar
/// becomes a one-element list; `null` and an object read as empty.
pub(crate) fn any_as_vec<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_any(AnyAsVec(PhantomData))
}

struct AnyAsVec<T>(PhantomData<T>);

impl<T> AnyAsVec<T> {
    /// A lone scalar: kept as one element when `T` accepts it, dropped otherwise.
    fn one<'de, E: de::Error>(
        value: impl de::IntoDeserializer<'de, de::value::Error>,
    ) -> Result<Vec<T>, E>
    where
        T: Deserialize<'de>,
    {
        Ok(T::deserialize(value.into_deserializer())
            .map(|v| vec![v])
            .unwrap_or_default())
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for AnyAsVec<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array, or anything that stands for one")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut out = Vec::new();
        while let Some(v) = seq.next_element()? {
            out.push(v);
        }
        Ok(out)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<T>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Vec::new())
    }
    fn visit_unit<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_none<E: de::Error>(self) -> Result<Vec<T>, E> {
        Ok(Vec::new())
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Vec<T>, E> {
        Self::one(v.to_owned())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Vec<T>, E> {
        Self::one(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Vec<T>, E> {
        Self::one(v)
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Vec<T>, E> {
        Self::one(v)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Vec<T>, E> {
        Self::one(v)
    }
}

/// For error bodies: text that may be anything. A string is kept; a number or boolean is
/// written out (`"detail": 5` reads as `"5"`); `null`, arrays and objects read as absent.
pub(crate) fn any_as_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_any(AnyAsText)
}

struct AnyAsText;

impl<'de> Visitor<'de> for AnyAsText {
    type Value = Option<String>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("text, or anything that stands for it")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Some(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Some(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Some(v.to_string()))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

/// For error bodies: the HTTP status number, which may be a number, a numeric string or
/// missing. Anything else reads as `0` ("the body did not say"); the response's own status
/// line is the authority anyway.
pub(crate) fn any_as_status<'de, D: Deserializer<'de>>(d: D) -> Result<u16, D::Error> {
    Ok(any_as_text(d)?
        .and_then(|t| t.trim().parse::<u16>().ok())
        .unwrap_or(0))
}

/// For error bodies: an optional object that never fails. An object is read with `T`'s
/// own (lenient) rules; anything else reads as absent.
pub(crate) fn any_as_object<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    d.deserialize_any(AnyAsObject(PhantomData))
}

struct AnyAsObject<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for AnyAsObject<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object, or anything")
    }
    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        T::deserialize(de::value::MapAccessDeserializer::new(map)).map(Some)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// For error bodies: text that may be anything, as [`any_as_text`], absent as empty.
pub(crate) fn any_as_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(any_as_text(d)?.unwrap_or_default())
}

/// For error bodies: a list of objects where odd shapes are forgiven: `null` or a lone
/// non-object reads as empty, and elements that are not objects are dropped.
pub(crate) fn any_as_objects<'de, D, T>(d: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    let items: Vec<MaybeObject<T>> = any_as_vec(d)?;
    Ok(items.into_iter().filter_map(|m| m.0).collect())
}

/// One element of [`any_as_objects`]: the object, or `None` for anything else.
struct MaybeObject<T>(Option<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for MaybeObject<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        any_as_object(d).map(MaybeObject)
    }
}
