// rubricate's Rust harness for the RoPE lab: speaks docs/runner-protocol.md
// (version 1) on fds 3 (requests) and 4 (answers). Generated per learner
// crate: `learner` is the learner's library, the three adapters below are
// filled in by the grader from the rubric's function names. No external crates.
use std::fs::File;
use std::io::{Read, Write};
use std::os::unix::io::FromRawFd;
use std::panic;
use std::sync::Mutex;

#[allow(unused_imports)]
use learner as _;

fn call_frequencies(d_head: usize, base: f64) -> Vec<f64> {
    learner::__FREQUENCIES__(d_head, base)
}
fn call_precompute(t: usize, d_head: usize) -> (Vec<f64>, Vec<f64>) {
    learner::__PRECOMPUTE__(t, d_head)
}
fn call_apply(q: &[f64], k: &[f64], cos: &[f64], sin: &[f64], d_head: usize) -> (Vec<f64>, Vec<f64>) {
    learner::__APPLY__(q, k, cos, sin, d_head)
}
const NAMES: [&str; 3] = ["__FREQUENCIES_NAME__", "__PRECOMPUTE_NAME__", "__APPLY_NAME__"];

enum J { Null, Bool(bool), Num(f64), Str(String), Arr(Vec<J>), Obj(Vec<(String, J)>) }

impl J {
    fn get(&self, key: &str) -> Option<&J> {
        match self { J::Obj(v) => v.iter().find(|(k, _)| k == key).map(|(_, x)| x), _ => None }
    }
    fn num(&self) -> Option<f64> { match self { J::Num(n) => Some(*n), _ => None } }
    fn str(&self) -> Option<&str> { match self { J::Str(s) => Some(s), _ => None } }
}

struct Parser<'a> { s: &'a [u8], i: usize }

impl<'a> Parser<'a> {
    fn ws(&mut self) { while self.i < self.s.len() && (self.s[self.i] as char).is_ascii_whitespace() { self.i += 1; } }
    fn peek(&self) -> Option<u8> { self.s.get(self.i).copied() }
    fn value(&mut self, depth: usize) -> Result<J, String> {
        if depth > 64 { return Err("nested too deeply".into()); }
        self.ws();
        match self.peek() {
            None => Err("unexpected end".into()),
            Some(b'{') => {
                self.i += 1;
                let mut v = Vec::new();
                loop {
                    self.ws();
                    if self.peek() == Some(b'}') { self.i += 1; break; }
                    let key = match self.value(depth + 1)? { J::Str(k) => k, _ => return Err("bad key".into()) };
                    self.ws();
                    if self.peek() != Some(b':') { return Err("expected :".into()); }
                    self.i += 1;
                    let x = self.value(depth + 1)?;
                    v.push((key, x));
                    self.ws();
                    if self.peek() == Some(b',') { self.i += 1; }
                }
                Ok(J::Obj(v))
            }
            Some(b'[') => {
                self.i += 1;
                let mut v = Vec::new();
                loop {
                    self.ws();
                    if self.peek() == Some(b']') { self.i += 1; break; }
                    v.push(self.value(depth + 1)?);
                    self.ws();
                    if self.peek() == Some(b',') { self.i += 1; }
                }
                Ok(J::Arr(v))
            }
            Some(b'"') => {
                self.i += 1;
                let mut out = String::new();
                loop {
                    let c = self.peek().ok_or("unterminated string")?;
                    self.i += 1;
                    match c {
                        b'"' => break,
                        b'\\' => {
                            let e = self.peek().ok_or("bad escape")?;
                            self.i += 1;
                            match e {
                                b'n' => out.push('\n'),
                                b't' => out.push('\t'),
                                b'r' => out.push('\r'),
                                b'b' => out.push('\u{8}'),
                                b'f' => out.push('\u{c}'),
                                b'u' => {
                                    let hex = std::str::from_utf8(&self.s[self.i..self.i + 4]).map_err(|_| "bad \\u")?;
                                    self.i += 4;
                                    out.push(char::from_u32(u32::from_str_radix(hex, 16).map_err(|_| "bad \\u")?).unwrap_or('?'));
                                }
                                other => out.push(other as char),
                            }
                        }
                        _ => {
                            let start = self.i - 1;
                            let mut end = self.i;
                            while end < self.s.len() && self.s[end] != b'"' && self.s[end] != b'\\' { end += 1; }
                            out.push_str(std::str::from_utf8(&self.s[start..end]).map_err(|_| "bad utf-8")?);
                            self.i = end;
                        }
                    }
                }
                Ok(J::Str(out))
            }
            Some(b't') => { self.i += 4; Ok(J::Bool(true)) }
            Some(b'f') => { self.i += 5; Ok(J::Bool(false)) }
            Some(b'n') => { self.i += 4; Ok(J::Null) }
            Some(_) => {
                let start = self.i;
                while self.i < self.s.len() && b"+-0123456789.eE".contains(&self.s[self.i]) { self.i += 1; }
                let text = std::str::from_utf8(&self.s[start..self.i]).map_err(|_| "bad number")?;
                text.parse::<f64>().map(J::Num).map_err(|_| format!("bad number {:?}", text))
            }
        }
    }
}

fn quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

enum Arg { Num(f64), Nd(Vec<f64>, Vec<usize>) }

fn decode(v: &J, payload: &[u8]) -> Result<Arg, String> {
    if let Some(n) = v.num() { return Ok(Arg::Num(n)); }
    if let Some(f) = v.get("$float") {
        return Ok(Arg::Num(match f.str() { Some("nan") => f64::NAN, Some("inf") => f64::INFINITY, Some("-inf") => f64::NEG_INFINITY, _ => -0.0 }));
    }
    let nd = v.get("$nd").ok_or("unsupported argument")?;
    let offset = nd.get("offset").and_then(J::num).ok_or("bad offset")? as usize;
    let nbytes = nd.get("nbytes").and_then(J::num).ok_or("bad nbytes")? as usize;
    if nd.get("wire").and_then(J::str) != Some("<f8") { return Err("only float64 arrays are supported".into()); }
    let bytes = payload.get(offset..offset + nbytes).ok_or("array outside the payload")?;
    let data: Vec<f64> = bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
    let shape: Vec<usize> = match nd.get("shape") { Some(J::Arr(s)) => s.iter().filter_map(J::num).map(|n| n as usize).collect(), _ => vec![] };
    if let Some(J::Bool(true)) = nd.get("scalar") { return Ok(Arg::Num(data.first().copied().unwrap_or(0.0))); }
    Ok(Arg::Nd(data, shape))
}

struct Answer { payload: Vec<u8> }

impl Answer {
    fn array(&mut self, data: &[f64], shape: &[usize]) -> String {
        while self.payload.len() % 8 != 0 { self.payload.push(0); }
        let offset = self.payload.len();
        for x in data { self.payload.extend_from_slice(&x.to_le_bytes()); }
        let shape_text: Vec<String> = shape.iter().map(|n| n.to_string()).collect();
        format!("{{\"$nd\":{{\"dtype\":\"float64\",\"wire\":\"<f8\",\"shape\":[{}],\"offset\":{},\"nbytes\":{}}}}}", shape_text.join(","), offset, data.len() * 8)
    }
}

fn send(out: &mut File, header: &str, payload: &[u8]) {
    let mut frame = Vec::with_capacity(8 + header.len() + payload.len());
    frame.extend_from_slice(&(header.len() as u32).to_le_bytes());
    frame.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    frame.extend_from_slice(header.as_bytes());
    frame.extend_from_slice(payload);
    let _ = out.write_all(&frame);
    let _ = out.flush();
}

fn read_frame(input: &mut File) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut prefix = [0u8; 8];
    input.read_exact(&mut prefix).ok()?;
    let h = u32::from_le_bytes(prefix[0..4].try_into().unwrap()) as usize;
    let p = u32::from_le_bytes(prefix[4..8].try_into().unwrap()) as usize;
    let mut header = vec![0u8; h];
    input.read_exact(&mut header).ok()?;
    let mut payload = vec![0u8; p];
    input.read_exact(&mut payload).ok()?;
    Some((header, payload))
}

static PANIC: Mutex<Option<(String, Option<(String, u32, u32)>)>> = Mutex::new(None);

fn nd<'b>(args: &'b [Arg], i: usize) -> Result<(&'b [f64], &'b [usize]), String> {
    match args.get(i) { Some(Arg::Nd(d, s)) => Ok((d, s)), _ => Err(format!("argument {} is not an array", i)) }
}
fn int(args: &[Arg], i: usize) -> Result<usize, String> {
    match args.get(i) { Some(Arg::Num(n)) if *n >= 0.0 => Ok(*n as usize), _ => Err(format!("argument {} is not a size", i)) }
}

/// The value JSON of one call, or an error message for a bad request.
fn dispatch(func: &str, args: &[Arg], answer: &mut Answer) -> Result<String, String> {
    if func == NAMES[0] {
        let d = int(args, 0)?;
        let base = match args.get(1) { Some(Arg::Num(b)) => *b, _ => 10000.0 };
        let f = call_frequencies(d, base);
        let n = f.len();
        return Ok(answer.array(&f, &[n]));
    }
    if func == NAMES[1] {
        let (t, d) = (int(args, 0)?, int(args, 1)?);
        let (c, s) = call_precompute(t, d);
        let shape = |v: &Vec<f64>| if t > 0 && v.len() % t == 0 { vec![t, v.len() / t] } else { vec![v.len()] };
        let (cs, ss) = (shape(&c), shape(&s));
        let a = answer.array(&c, &cs);
        let b = answer.array(&s, &ss);
        return Ok(format!("[{},{}]", a, b));
    }
    if func == NAMES[2] {
        let (q, qs) = nd(args, 0)?;
        let (k, ks) = nd(args, 1)?;
        let (c, _) = nd(args, 2)?;
        let (s, _) = nd(args, 3)?;
        let d = *qs.last().ok_or("q has no axes")?;
        let (qr, kr) = call_apply(q, k, c, s, d);
        let shape = |v: &Vec<f64>, want: &[usize]| if v.len() == want.iter().product::<usize>() { want.to_vec() } else { vec![v.len()] };
        let (qsh, ksh) = (shape(&qr, qs), shape(&kr, ks));
        let a = answer.array(&qr, &qsh);
        let b = answer.array(&kr, &ksh);
        return Ok(format!("[{},{}]", a, b));
    }
    Err(format!("missing:{}", func))
}

fn main() {
    let config = std::env::args().nth(1).unwrap_or_default();
    let root = Parser { s: config.as_bytes(), i: 0 }.value(0).ok().and_then(|c| c.get("root").and_then(J::str).map(String::from)).unwrap_or_default();
    let mut input = unsafe { File::from_raw_fd(3) };
    let mut output = unsafe { File::from_raw_fd(4) };
    unsafe {
        libc_cloexec(3);
        libc_cloexec(4);
    }
    send(&mut output, &format!("{{\"type\":\"hello\",\"protocol\":1,\"language\":\"rust\",\"runtime\":\"rustc\",\"numpy\":null,\"pid\":{}}}", std::process::id()), &[]);
    panic::set_hook(Box::new(|info| {
        let message = if let Some(s) = info.payload().downcast_ref::<&str>() { s.to_string() } else if let Some(s) = info.payload().downcast_ref::<String>() { s.clone() } else { "panic".to_string() };
        let location = info.location().map(|l| (l.file().to_string(), l.line(), l.column()));
        *PANIC.lock().unwrap() = Some((message, location));
    }));
    send(&mut output, "{\"type\":\"ready\"}", &[]);
    while let Some((header, payload)) = read_frame(&mut input) {
        let request = match (Parser { s: &header, i: 0 }).value(0) { Ok(r) => r, Err(_) => return };
        if request.get("type").and_then(J::str) == Some("exit") { return; }
        let id = request.get("id").and_then(J::str).unwrap_or("").to_string();
        let func = request.get("fn").and_then(J::str).unwrap_or("").to_string();
        let mut args: Vec<Arg> = Vec::new();
        let mut bad: Option<String> = None;
        if let Some(J::Arr(list)) = request.get("args") {
            for a in list { match decode(a, &payload) { Ok(x) => args.push(x), Err(e) => { bad = Some(e); break; } } }
        }
        if let Some(J::Obj(kw)) = request.get("kwargs").and_then(|k| k.get("$dict")) {
            for (_, a) in kw { if let Ok(x) = decode(a, &payload) { args.push(x); } }
        }
        if let Some(e) = bad {
            send(&mut output, &format!("{{\"type\":\"failure\",\"id\":{},\"kind\":\"internal\",\"message\":{}}}", quote(&id), quote(&e)), &[]);
            continue;
        }
        let started = std::time::Instant::now();
        let mut answer = Answer { payload: Vec::new() };
        let result = panic::catch_unwind(panic::AssertUnwindSafe(|| dispatch(&func, &args, &mut answer)));
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(Ok(value)) => {
                let returns_inputs = matches!(request.get("returnInputs"), Some(J::Bool(true)));
                let extra = if returns_inputs {
                    let mut inputs = Vec::new();
                    for a in &args { inputs.push(match a { Arg::Num(n) => format!("{}", n), Arg::Nd(d, s) => answer.array(d, s) }); }
                    let arrays = value.matches("$nd").count();
                    format!(",\"inputsAfter\":[{}],\"aliases\":[{}]", inputs.join(","), vec!["-1"; arrays].join(","))
                } else { String::new() };
                let header = format!("{{\"type\":\"result\",\"id\":{},\"value\":{},\"durationMs\":{}{}}}", quote(&id), value, ms, extra);
                send(&mut output, &header, &answer.payload);
            }
            Ok(Err(e)) if e.starts_with("missing:") => {
                send(&mut output, &format!("{{\"type\":\"failure\",\"id\":{},\"kind\":\"missing-function\",\"message\":{}}}", quote(&id), quote(&format!("the crate has no function {} in the rubric's adapter", func))), &[]);
            }
            Ok(Err(e)) => {
                send(&mut output, &format!("{{\"type\":\"failure\",\"id\":{},\"kind\":\"internal\",\"message\":{}}}", quote(&id), quote(&e)), &[]);
            }
            Err(_) => {
                let (message, location) = PANIC.lock().unwrap().take().unwrap_or(("panic".into(), None));
                let loc = match location {
                    Some((file, line, col)) => {
                        let rel = file.strip_prefix(&format!("{}/", root)).unwrap_or(&file).to_string();
                        let rel = rel.rsplit_once("learner/").map(|(_, r)| r.to_string()).unwrap_or(rel);
                        format!(",\"location\":{{\"file\":{},\"line\":{},\"column\":{}}}", quote(&rel), line, col)
                    }
                    None => String::new(),
                };
                send(&mut output, &format!("{{\"type\":\"failure\",\"id\":{},\"kind\":\"exception\",\"message\":{}{}}}", quote(&id), quote(&format!("panicked: {}", message)), loc), &[]);
            }
        }
    }
}

extern "C" {
    fn fcntl(fd: i32, cmd: i32, ...) -> i32;
}
unsafe fn libc_cloexec(fd: i32) {
    const F_SETFD: i32 = 2;
    const FD_CLOEXEC: i32 = 1;
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}
