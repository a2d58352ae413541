//! The event classes both APIs share the shape of, written once: events that carry one
//! value (`Headers(environment)`, `Body(data)`), the end marker, and the response head.
//!
//! Each is made as the original's Python classes are: subclassable (a subclass's
//! `__init__` may take other arguments and call ours through `super()`), with writable
//! attributes, and picklable and copyable (pickle protocol 2 and later) with the state
//! the original's `__slots__` give: `(None, {attribute: value})`.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};

/// `__getstate__` as Python makes it for a class with `__slots__`: `fields` and any
/// slots of a subclass, beside the instance `__dict__` of a subclass that has one
/// (`(dict or None, {name: value})`; the dict alone, or `None`, without slot values).
pub(crate) fn pickle_state(
    object: &Bound<'_, PyAny>,
    fields: &[(&str, Bound<'_, PyAny>)],
) -> PyResult<Py<PyAny>> {
    let py = object.py();
    let slots = PyDict::new(py);
    for (name, value) in fields {
        slots.set_item(name, value)?;
    }
    let subclass_slots = py
        .import("copyreg")?
        .call_method1("_slotnames", (object.get_type(),))?;
    for name in subclass_slots.try_iter()? {
        let name = name?;
        if let Ok(value) = object.getattr(name.cast::<pyo3::types::PyString>()?) {
            slots.set_item(name, value)?;
        }
    }
    let dict = match object.getattr(pyo3::intern!(py, "__dict__")) {
        Ok(dict) if dict.len().unwrap_or(0) > 0 => dict,
        _ => py.None().into_bound(py),
    };
    if slots.is_empty() {
        return Ok(dict.unbind());
    }
    Ok(PyTuple::new(py, [dict, slots.into_any()])?
        .into_any()
        .unbind())
}

/// Whether `object` is exactly of class `T` (not of a subclass).
pub(crate) fn is_exact<T: pyo3::PyTypeInfo>(cls: &Bound<'_, PyType>) -> bool {
    cls.is(T::type_object(cls.py()))
}

/// The one value a value event's constructor was given, positionally or by `name`
/// (`None` if not: a subclass's arguments, or pickle's `cls.__new__(cls)`).
pub(crate) fn sole_argument(
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
    name: &str,
) -> Py<PyAny> {
    let py = args.py();
    match (args.len(), kwargs) {
        (1, None) => args.get_item(0).map_or_else(|_| py.None(), Bound::unbind),
        (0, Some(kwargs)) if kwargs.len() == 1 => kwargs
            .get_item(name)
            .ok()
            .flatten()
            .map_or_else(|| py.None(), Bound::unbind),
        _ => py.None(),
    }
}

/// `N` arguments by position or name, as a Python signature `(a, b)` takes them.
pub(crate) fn arguments<'py, const N: usize>(
    function: &str,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
    names: [&str; N],
) -> PyResult<[Bound<'py, PyAny>; N]> {
    let given = args.len() + kwargs.map_or(0, |k| k.len());
    if args.len() > N || given > N {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{function} takes {N} arguments but {given} were given"
        )));
    }
    let mut out = Vec::with_capacity(N);
    for (i, name) in names.iter().enumerate() {
        let value = match args.get_item(i) {
            Ok(value) if i < args.len() => value,
            _ => match kwargs.map(|k| k.get_item(name)).transpose()?.flatten() {
                Some(value) => value,
                None => {
                    return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                        "{function} missing required argument: '{name}'"
                    )));
                }
            },
        };
        out.push(value);
    }
    out.try_into()
        .map_err(|_| pyo3::exceptions::PyTypeError::new_err("arguments"))
}

/// The one argument of a signature `(name)`.
pub(crate) fn one_argument(
    function: &str,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
    name: &str,
) -> PyResult<Py<PyAny>> {
    if args.len() == 1 && kwargs.is_none() {
        return Ok(args.get_item(0)?.unbind());
    }
    let [value] = arguments(function, args, kwargs, [name])?;
    Ok(value.unbind())
}

/// An event class that carries one value, `$field`, settable as in the original, with
/// the original's `repr`: `NAME(<value's str or repr>)`.
macro_rules! value_event {
    (
        $(#[$doc:meta])*
        $ty:ident: $base:ident, $module:literal, $name:literal,
        $(#[$field_doc:meta])* $field:ident, $show:ident
    ) => {
        $(#[$doc])*
        #[pyo3::pyclass(extends = $base, subclass, module = $module, name = $name)]
        pub struct $ty {
            $(#[$field_doc])*
            #[pyo3(get, set)]
            $field: pyo3::Py<pyo3::PyAny>,
        }

        #[pyo3::pymethods]
        impl $ty {
            /// Takes the value as `__init__` would; a subclass's other arguments are
            /// left to its `__init__`.
            #[new]
            #[pyo3(signature = (*args, **kwargs))]
            fn new(
                args: &pyo3::Bound<'_, pyo3::types::PyTuple>,
                kwargs: Option<&pyo3::Bound<'_, pyo3::types::PyDict>>,
            ) -> pyo3::PyClassInitializer<Self> {
                let $field = crate::events::sole_argument(args, kwargs, stringify!($field));
                pyo3::PyClassInitializer::from($base).add_subclass($ty { $field })
            }

            #[pyo3(signature = (*args, **kwargs))]
            fn __init__(
                &mut self,
                args: &pyo3::Bound<'_, pyo3::types::PyTuple>,
                kwargs: Option<&pyo3::Bound<'_, pyo3::types::PyDict>>,
            ) -> pyo3::PyResult<()> {
                self.$field = crate::events::one_argument(
                    concat!($name, ".__init__()"),
                    args,
                    kwargs,
                    stringify!($field),
                )?;
                Ok(())
            }

            fn __traverse__(
                &self,
                visit: pyo3::PyVisit<'_>,
            ) -> Result<(), pyo3::PyTraverseError> {
                visit.call(&self.$field)
            }

            fn __clear__(&mut self) {
                self.$field = pyo3::Python::attach(|py| py.None());
            }

            fn __getstate__(
                slf: &pyo3::Bound<'_, Self>,
            ) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                let value = slf.borrow().$field.clone_ref(slf.py()).into_bound(slf.py());
                crate::events::pickle_state(slf.as_any(), &[(stringify!($field), value)])
            }

            fn __repr__(&self, py: pyo3::Python<'_>) -> pyo3::PyResult<String> {
                Ok(format!(concat!($name, "({})"), self.$field.bind(py).$show()?))
            }
        }

        impl crate::writer::ValueEvent for $ty {
            fn value(&self, py: pyo3::Python<'_>) -> pyo3::Py<pyo3::PyAny> {
                self.$field.clone_ref(py)
            }
        }
    };
}

/// An event class that carries nothing (the end of a request or a response).
macro_rules! end_event {
    ($(#[$doc:meta])* $ty:ident: $base:ident, $module:literal, $name:literal) => {
        $(#[$doc])*
        #[pyo3::pyclass(extends = $base, subclass, module = $module, name = $name)]
        pub struct $ty;

        #[pyo3::pymethods]
        impl $ty {
            /// Takes no arguments (as the original's, whose `__init__` is `object`'s); a
            /// subclass's are left to its `__init__`. (No `__init__` of its own: a
            /// subclass's `super().__init__()` reaches `object`'s, as in the original.)
            #[new]
            #[classmethod]
            #[pyo3(signature = (*args, **kwargs))]
            fn new(
                cls: &pyo3::Bound<'_, pyo3::types::PyType>,
                args: &pyo3::Bound<'_, pyo3::types::PyTuple>,
                kwargs: Option<&pyo3::Bound<'_, pyo3::types::PyDict>>,
            ) -> pyo3::PyResult<pyo3::PyClassInitializer<Self>> {
                if crate::events::is_exact::<$ty>(cls) && (!args.is_empty() || kwargs.is_some()) {
                    return Err(pyo3::exceptions::PyTypeError::new_err(concat!(
                        $name,
                        "() takes no arguments"
                    )));
                }
                Ok(pyo3::PyClassInitializer::from($base).add_subclass($ty))
            }

            fn __getstate__(
                slf: &pyo3::Bound<'_, Self>,
            ) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                crate::events::pickle_state(slf.as_any(), &[])
            }

            fn __repr__(&self) -> &'static str {
                concat!($name, "()")
            }
        }
    };
}

/// The response head class: a status and headers, checked when made (`$refuse` makes
/// the API's exception), with the original's writable attributes, `encode()` and
/// `repr`. Once an attribute is assigned or `other_headers` handed out, `encode()`
/// makes the head again from the attributes, checked by the same rules.
macro_rules! head_event {
    (
        $(#[$doc:meta])*
        $ty:ident: $base:ident, $module:literal, $name:literal, $states:ident, $refuse:ident
    ) => {
        $(#[$doc])*
        #[pyo3::pyclass(extends = $base, subclass, module = $module, name = $name)]
        pub struct $ty {
            head: crate::head::Head,
            /// The attributes, once one is assigned or `other_headers` is handed out.
            changed: Option<Box<crate::head::Attributes>>,
            /// Made by `new` for the exact class from `__init__`'s arguments: its
            /// `__init__` (called next, with the same arguments) has nothing to do.
            fresh: bool,
        }

        #[pyo3::pymethods]
        impl $ty {
            /// The exact class is checked here; a subclass's arguments are left to its
            /// `__init__`.
            #[new]
            #[classmethod]
            #[pyo3(signature = (*args, **kwargs))]
            fn new(
                cls: &pyo3::Bound<'_, pyo3::types::PyType>,
                args: &pyo3::Bound<'_, pyo3::types::PyTuple>,
                kwargs: Option<&pyo3::Bound<'_, pyo3::types::PyDict>>,
            ) -> pyo3::PyResult<pyo3::PyClassInitializer<Self>> {
                let py = cls.py();
                let (head, fresh) = if crate::events::is_exact::<$ty>(cls)
                    && kwargs.is_none()
                    && args.len() == 2
                {
                    let head = crate::head::Head::new(
                        &*args.get_borrowed_item(0)?,
                        &*args.get_borrowed_item(1)?,
                    )?
                        .map_err(|r| $refuse(py, &r))?;
                    (head, true)
                } else {
                    (crate::head::Head::empty(py), false)
                };
                Ok(pyo3::PyClassInitializer::from($base).add_subclass($ty {
                    head,
                    changed: None,
                    fresh,
                }))
            }

            #[pyo3(signature = (*args, **kwargs))]
            fn __init__(
                &mut self,
                py: pyo3::Python<'_>,
                args: &pyo3::Bound<'_, pyo3::types::PyTuple>,
                kwargs: Option<&pyo3::Bound<'_, pyo3::types::PyDict>>,
            ) -> pyo3::PyResult<()> {
                if std::mem::take(&mut self.fresh) {
                    return Ok(());
                }
                let [status, headers] = crate::events::arguments(
                    concat!($name, ".__init__()"),
                    args,
                    kwargs,
                    ["status", "headers"],
                )?;
                self.head =
                    crate::head::Head::new(&status, &headers)?.map_err(|r| $refuse(py, &r))?;
                self.changed = None;
                Ok(())
            }

            /// The status line (`"200 OK"`), or `None`.
            #[getter]
            fn status(&self, py: pyo3::Python<'_>) -> pyo3::Py<pyo3::PyAny> {
                match &self.changed {
                    Some(a) => a.status.clone_ref(py),
                    None => self.head.status(py),
                }
            }

            #[setter]
            fn set_status(&mut self, py: pyo3::Python<'_>, value: pyo3::Py<pyo3::PyAny>) {
                self.attributes(py).status = value;
            }

            /// The `Content-Type` value, or `None`.
            #[getter]
            fn content_type(&self, py: pyo3::Python<'_>) -> pyo3::Py<pyo3::PyAny> {
                match &self.changed {
                    Some(a) => a.content_type.clone_ref(py),
                    None => self.head.content_type(py),
                }
            }

            #[setter]
            fn set_content_type(&mut self, py: pyo3::Python<'_>, value: pyo3::Py<pyo3::PyAny>) {
                self.attributes(py).content_type = value;
            }

            /// The `Location` value, or `None`.
            #[getter]
            fn location(&self, py: pyo3::Python<'_>) -> pyo3::Py<pyo3::PyAny> {
                match &self.changed {
                    Some(a) => a.location.clone_ref(py),
                    None => self.head.location(py),
                }
            }

            #[setter]
            fn set_location(&mut self, py: pyo3::Python<'_>, value: pyo3::Py<pyo3::PyAny>) {
                self.attributes(py).location = value;
            }

            /// The headers other than `Content-Type` and `Location`, as a
            /// `wsgiref.headers.Headers`.
            #[getter]
            fn other_headers(&mut self, py: pyo3::Python<'_>) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                let made = match self.changed.as_ref().and_then(|a| a.other_headers.as_ref()) {
                    Some(h) => return Ok(h.clone_ref(py)),
                    None => self.head.other_headers(py)?,
                };
                self.attributes(py).other_headers = Some(made.clone_ref(py));
                Ok(made)
            }

            #[setter]
            fn set_other_headers(&mut self, py: pyo3::Python<'_>, value: pyo3::Py<pyo3::PyAny>) {
                self.attributes(py).other_headers = Some(value);
            }

            /// The state the writer is in after sending this head.
            #[getter]
            fn succeeding_state<'py>(
                &self,
                py: pyo3::Python<'py>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                $states.get(py, if self.status(py).is_none(py) { 2 } else { 1 })
            }

            /// The head as bytes.
            fn encode(&self, py: pyo3::Python<'_>) -> pyo3::PyResult<pyo3::Py<pyo3::types::PyBytes>> {
                match &self.changed {
                    None => Ok(self.head.encoded.clone_ref(py)),
                    Some(attributes) => Ok(crate::head::Head::from_attributes(
                        py,
                        attributes,
                        &self.head,
                    )?
                    .map_err(|r| $refuse(py, &r))?
                    .encoded),
                }
            }

            /// The attributes, once changed, may hold anything (the head's own strings
            /// cannot make a cycle).
            fn __traverse__(
                &self,
                visit: pyo3::PyVisit<'_>,
            ) -> Result<(), pyo3::PyTraverseError> {
                if let Some(a) = &self.changed {
                    visit.call(&a.status)?;
                    visit.call(&a.content_type)?;
                    visit.call(&a.location)?;
                    if let Some(others) = &a.other_headers {
                        visit.call(others)?;
                    }
                }
                Ok(())
            }

            fn __clear__(&mut self) {
                self.changed = None;
            }

            fn __getstate__(slf: &pyo3::Bound<'_, Self>) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                let py = slf.py();
                let others = slf.borrow_mut().other_headers(py)?.into_bound(py);
                let this = slf.borrow();
                crate::events::pickle_state(
                    slf.as_any(),
                    &[
                        ("status", this.status(py).into_bound(py)),
                        ("content_type", this.content_type(py).into_bound(py)),
                        ("location", this.location(py).into_bound(py)),
                        ("other_headers", others),
                    ],
                )
            }

            fn __repr__(&self, py: pyo3::Python<'_>) -> pyo3::PyResult<String> {
                // `other_headers` as they are, without handing out the object (which would
                // make every later `encode()` make the head again).
                let others = match self.changed.as_ref().and_then(|a| a.other_headers.as_ref()) {
                    Some(h) => h.clone_ref(py),
                    None => self.head.other_headers(py)?,
                };
                Ok(format!(
                    concat!($name, "(status={}, content_type={}, location={}, other_headers={})"),
                    self.status(py).bind(py).str()?,
                    self.content_type(py).bind(py).str()?,
                    self.location(py).bind(py).str()?,
                    others.bind(py).repr()?
                ))
            }
        }

        impl $ty {
            /// The attributes, to change: taken from the checked head the first time.
            fn attributes(&mut self, py: pyo3::Python<'_>) -> &mut crate::head::Attributes {
                let head = &self.head;
                self.changed
                    .get_or_insert_with(|| Box::new(head.attributes(py)))
            }
        }

        impl crate::writer::HeadEvent for $ty {
            fn encoded(&self, py: pyo3::Python<'_>) -> pyo3::PyResult<pyo3::Py<pyo3::types::PyBytes>> {
                self.encode(py)
            }

            fn has_status(&self, py: pyo3::Python<'_>) -> bool {
                match &self.changed {
                    Some(a) => !a.status.is_none(py),
                    None => self.head.status.is_some(),
                }
            }
        }
    };
}

pub(crate) use {end_event, head_event, value_event};
