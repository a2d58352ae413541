//! The event classes both APIs share the shape of, written once: events that carry one
//! value (`Headers(environment)`, `Body(data)`), the end marker, and the response head.

/// An event class that carries one value, `$field`, settable as in the original, with
/// the original's `repr`: `NAME(<value's str or repr>)`.
macro_rules! value_event {
    (
        $(#[$doc:meta])*
        $ty:ident: $base:ident, $module:literal, $name:literal,
        $(#[$field_doc:meta])* $field:ident, $show:ident
    ) => {
        $(#[$doc])*
        #[pyo3::pyclass(extends = $base, module = $module, name = $name)]
        pub struct $ty {
            $(#[$field_doc])*
            #[pyo3(get, set)]
            $field: pyo3::Py<pyo3::PyAny>,
        }

        #[pyo3::pymethods]
        impl $ty {
            #[new]
            fn new($field: pyo3::Py<pyo3::PyAny>) -> pyo3::PyClassInitializer<Self> {
                pyo3::PyClassInitializer::from($base).add_subclass($ty { $field })
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
        #[pyo3::pyclass(extends = $base, module = $module, name = $name)]
        pub struct $ty;

        #[pyo3::pymethods]
        impl $ty {
            #[new]
            fn new() -> pyo3::PyClassInitializer<Self> {
                pyo3::PyClassInitializer::from($base).add_subclass($ty)
            }

            fn __repr__(&self) -> &'static str {
                concat!($name, "()")
            }
        }
    };
}

/// The response head class: a status and headers, checked when made (`$refuse` makes
/// the API's exception), with the original's attributes, `encode()` and `repr`.
macro_rules! head_event {
    (
        $(#[$doc:meta])*
        $ty:ident: $base:ident, $module:literal, $name:literal, $states:ident, $refuse:ident
    ) => {
        $(#[$doc])*
        #[pyo3::pyclass(extends = $base, module = $module, name = $name)]
        pub struct $ty {
            head: crate::head::Head,
            /// `other_headers` as a `wsgiref.headers.Headers`, once asked for (it may
            /// then be changed: the head is encoded from it again).
            other_headers: Option<pyo3::Py<pyo3::PyAny>>,
        }

        #[pyo3::pymethods]
        impl $ty {
            #[new]
            fn new(
                py: pyo3::Python<'_>,
                status: Option<pyo3::Bound<'_, pyo3::types::PyString>>,
                headers: &pyo3::Bound<'_, pyo3::PyAny>,
            ) -> pyo3::PyResult<pyo3::PyClassInitializer<Self>> {
                let head = crate::head::Head::new(status, headers)?.map_err(|r| $refuse(py, &r))?;
                Ok(pyo3::PyClassInitializer::from($base).add_subclass($ty {
                    head,
                    other_headers: None,
                }))
            }

            /// The status line (`"200 OK"`), or `None`.
            #[getter]
            fn status(&self, py: pyo3::Python<'_>) -> Option<pyo3::Py<pyo3::types::PyString>> {
                self.head.status.as_ref().map(|s| s.clone_ref(py))
            }

            /// The `Content-Type` value, or `None`.
            #[getter]
            fn content_type(&self, py: pyo3::Python<'_>) -> Option<pyo3::Py<pyo3::types::PyString>> {
                self.head.content_type(py)
            }

            /// The `Location` value, or `None`.
            #[getter]
            fn location(&self, py: pyo3::Python<'_>) -> Option<pyo3::Py<pyo3::types::PyString>> {
                self.head.location(py)
            }

            /// The headers other than `Content-Type` and `Location`, as a
            /// `wsgiref.headers.Headers`.
            #[getter]
            fn other_headers(&mut self, py: pyo3::Python<'_>) -> pyo3::PyResult<pyo3::Py<pyo3::PyAny>> {
                if let Some(h) = &self.other_headers {
                    return Ok(h.clone_ref(py));
                }
                let made = self.head.other_headers(py)?;
                self.other_headers = Some(made.clone_ref(py));
                Ok(made)
            }

            /// The state the writer is in after sending this head.
            #[getter]
            fn succeeding_state<'py>(
                &self,
                py: pyo3::Python<'py>,
            ) -> pyo3::PyResult<pyo3::Bound<'py, pyo3::PyAny>> {
                $states.get(py, if self.head.has_status() { 1 } else { 2 })
            }

            /// The head as bytes.
            fn encode(&self, py: pyo3::Python<'_>) -> pyo3::PyResult<pyo3::Py<pyo3::types::PyBytes>> {
                crate::writer::HeadEvent::current(self, py)
            }

            fn __repr__(&mut self, py: pyo3::Python<'_>) -> pyo3::PyResult<String> {
                let others = self.other_headers(py)?;
                self.head.repr(py, $name, others.bind(py))
            }
        }

        impl crate::writer::HeadEvent for $ty {
            /// The encoding, made again from `other_headers` if it was handed out (and may
            /// have been changed since).
            fn current(
                &self,
                py: pyo3::Python<'_>,
            ) -> pyo3::PyResult<pyo3::Py<pyo3::types::PyBytes>> {
                let Some(others) = &self.other_headers else {
                    return Ok(self.head.encoded.clone_ref(py));
                };
                let pairs = crate::head::items(others.bind(py))?;
                let rebuilt = self.head.with_others(py, pairs).map_err(|r| $refuse(py, &r))?;
                Ok(rebuilt.encoded)
            }

            fn has_status(&self) -> bool {
                self.head.has_status()
            }
        }
    };
}

pub(crate) use {end_event, head_event, value_event};
