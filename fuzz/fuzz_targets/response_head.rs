//! Response heads from arbitrary text: never a panic; an accepted head encodes to exactly
//! `encoded_len` bytes, ends with an empty line, and holds no CR or LF inside a line.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sioscgi::{ResponseHead, Status};

fuzz_target!(
    |input: (Option<u16>, Option<String>, Vec<(String, String)>)| {
        let (code, line, headers) = input;
        let status = match (code, &line) {
            (Some(code), _) => Some(Status::Code(code)),
            (None, Some(line)) => Some(Status::Line(line)),
            (None, None) => None,
        };
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        if let Ok(head) = ResponseHead::new(status, &headers) {
            let mut out = vec![0u8; head.encoded_len()];
            assert_eq!(head.encode(&mut out), Ok(head.encoded_len()));
            assert!(out.ends_with(b"\r\n\r\n"));
            let body = &out[..out.len() - 2];
            for line in body.split(|&b| b == b'\n') {
                assert!(!line.contains(&b'\r') || line.ends_with(b"\r"));
                assert!(!line.contains(&0));
            }
        }
    }
);
