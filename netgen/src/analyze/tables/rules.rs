//! What Linux checks when the tables are filled at boot, checked on the
//! spec instead: who registers each entry and whether the table exists by
//! then, numbers in range (`sock_register`'s NPROTO, `inet_protos`' 256
//! slots, `inetsw`'s SOCK_MAX, a `u16` ethertype), slots taken twice, the
//! sections a `protosw` names, `inet_register_protosw`'s refusal to
//! override a permanent protocol, and an `nf_hook`'s family, point and
//! priority (ties are warnings: Linux allows them).

use std::collections::HashMap;

use super::super::decls::Decls;
use super::super::suggest::closest;
use super::schema::Entry;
use crate::diag::Diagnostic;
use crate::ir::TableKind;

/// `AF_MAX` in Linux 3.19, for a spec that declares no `NPROTO`.
const DEFAULT_NPROTO: u64 = 46;
/// `SOCK_PACKET + 1`: the size of `inetsw`.
const SOCK_MAX: u64 = 11;
/// `MAX_INET_PROTOS`: the size of `inet_protos`.
const MAX_INET_PROTOS: u64 = 256;
const PF_INET: u64 = 2;
/// `sizeof(prot->name) - 1`.
const PROTO_NAME_MAX: usize = 31;

/// Checks every entry; returns each entry's registrar (an index into
/// `Decls::initcalls`), `None` for `proto_ops` and unknown initcalls.
pub fn check(entries: &[Entry], d: &Decls, boot_order: &[usize], diags: &mut Vec<Diagnostic>) -> Vec<Option<usize>> {
    let mut boot_pos = vec![None; d.initcalls.len()];
    for (pos, &i) in boot_order.iter().enumerate() {
        boot_pos[i] = Some(pos);
    }
    let initcall: HashMap<&str, usize> =
        d.initcalls.iter().enumerate().map(|(i, c)| (c.name.name.as_str(), i)).collect();
    let registrar = entries.iter().map(|e| registrar(d, &initcall, e, diags)).collect();
    let ctx = Ctx { d, entries, boot_pos, registrar };
    for (i, e) in entries.iter().enumerate() {
        ctx.table_exists(i, diags);
        ctx.ranges(e, diags);
        if e.kind == TableKind::Protosw {
            ctx.protosw_refs(i, diags);
        }
    }
    ctx.one_per_slot(TableKind::Family, "family", diags);
    ctx.one_per_slot(TableKind::InetProtocol, "protocol", diags);
    ctx.permanent(diags);
    ctx.nf_hooks(diags);
    ctx.registrar
}

/// The initcall `registered_by` names; for an `nf_hook`, the initcall that
/// registers the pernet operation it names.
fn registrar(d: &Decls, initcall: &HashMap<&str, usize>, e: &Entry, diags: &mut Vec<Diagnostic>) -> Option<usize> {
    let by = e.name_of("registered_by")?;
    if e.kind == TableKind::NfHook {
        let Some(op) = d.pernet.iter().find(|p| p.name.name == by.name) else {
            let mut diag = Diagnostic::error(
                format!("unknown pernet operation `{}`", by.name),
                by.span,
                "not declared with `pernet`",
            )
            .with_note(format!(
                "an `nf_hook`'s `registered_by` names the pernet operation whose `init` registers `{}` in each namespace (Linux: `nf_register_net_hooks` from a pernet `init`)",
                e.name.name
            ))
            .assuming_absent(&by.name);
            if let Some(s) = closest(&by.name, d.pernet.iter().map(|p| p.name.name.as_str())) {
                diag = diag.with_note(format!("did you mean `{s}`?"));
            }
            diags.push(diag);
            return None;
        };
        // An unknown initcall there is reported with the operation.
        return initcall.get(op.registered_by.as_ref()?.name.as_str()).copied();
    }
    if let Some(&i) = initcall.get(by.name.as_str()) {
        return Some(i);
    }
    let mut diag =
        Diagnostic::error(format!("unknown initcall `{}`", by.name), by.span, "not declared with `initcall`")
            .with_note(format!(
                "`registered_by` names the initcall whose `run` is followed by registering `{}`",
                e.name.name
            ))
            .assuming_absent(&by.name);
    if let Some(s) = closest(&by.name, d.initcalls.iter().map(|c| c.name.name.as_str())) {
        diag = diag.with_note(format!("did you mean `{s}`?"));
    }
    diags.push(diag);
    None
}

struct Ctx<'a> {
    d: &'a Decls,
    entries: &'a [Entry],
    boot_pos: Vec<Option<usize>>,
    registrar: Vec<Option<usize>>,
}

impl Ctx<'_> {
    /// When entry `i` is registered: its registrar's place in the boot
    /// order, then its place in the spec (unknown registrars last).
    fn position(&self, i: usize) -> (usize, usize) {
        (self.registrar[i].and_then(|r| self.boot_pos[r]).unwrap_or(usize::MAX), i)
    }

    /// Indices of the entries of `kind`, in registration order.
    fn registration_order(&self, kind: TableKind) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.entries.len()).filter(|&i| self.entries[i].kind == kind).collect();
        order.sort_by_key(|&i| self.position(i));
        order
    }

    fn find(&self, kind: TableKind, name: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.kind == kind && e.name.name == name)
    }

    /// The registrar requires or provides the table the entry goes into.
    fn table_exists(&self, i: usize, diags: &mut Vec<Diagnostic>) {
        let e = &self.entries[i];
        let (Some(r), Some(resource), Some(register)) = (self.registrar[i], e.kind.resource(), e.kind.register_fn())
        else {
            return;
        };
        let c = &self.d.initcalls[r];
        if c.requires.iter().chain(&c.provides).any(|q| q.name == resource) {
            return;
        }
        let by = e.name_of("registered_by").map_or(e.name.span, |b| b.span);
        let mut diag = Diagnostic::error(
            format!(
                "`{}` is registered by `{}`, which neither requires nor provides `{resource}`",
                e.title(),
                c.name.name
            ),
            by,
            format!("`{register}` puts it in `{resource}`"),
        )
        .with_label(c.name.span, format!("`{}` declared here", c.name.name))
        .with_note(format!(
            "add `{resource}` to the `requires` of `{}`, so it runs once the table exists (or to its `provides`, if it creates the table)",
            c.name.name
        ))
        // An unknown resource is left out of the lists (and reported there).
        .assuming_absent(resource);
        if !self.d.resource_index.contains_key(resource) {
            diag =
                diag.with_note(format!("the spec declares no `resource {resource};` (usually in spec/resources.ng)"));
        }
        diags.push(diag);
    }

    /// Numbers Linux would reject or truncate.
    fn ranges(&self, e: &Entry, diags: &mut Vec<Diagnostic>) {
        // A family is a `u16` in the descriptors, whatever NPROTO says.
        let declared = self.d.consts.iter().find(|c| c.name.name == "NPROTO");
        let nproto = declared.map_or(DEFAULT_NPROTO, |c| c.value).min(u64::from(u16::MAX) + 1);
        let title = e.title();
        let mut out_of_range = |field: &str, bad: bool, what: String, label: &str, note: Option<String>| {
            let Some((_, span)) = e.int(field) else {
                return;
            };
            if bad {
                let mut diag = Diagnostic::error(
                    format!("`{title}` has {field} {}, {what}", e.number_text(field)),
                    span,
                    label.to_string(),
                );
                if let Some(note) = note {
                    diag = diag.with_note(note);
                }
                // Linux's NPROTO stands in for a `const NPROTO` the spec may
                // have failed to declare.
                if field == "family" && declared.is_none() {
                    diag = diag.assuming_absent("NPROTO");
                }
                diags.push(diag);
            }
        };
        let value = |field: &str| e.int(field).map_or(0, |(v, _)| v);
        let nproto_note = Some(format!(
            "`net_families` has NPROTO slots (NPROTO is {nproto}{})",
            if declared.is_some() { ", `const NPROTO` in the spec" } else { ", Linux's AF_MAX" }
        ));
        match e.kind {
            TableKind::Family => out_of_range(
                "family",
                value("family") >= nproto,
                format!("which is not below NPROTO ({nproto})"),
                "`sock_register` would fail with ENOBUFS",
                nproto_note,
            ),
            TableKind::ProtoOps => out_of_range(
                "family",
                value("family") >= nproto,
                format!("which is not below NPROTO ({nproto})"),
                "no family has this number",
                nproto_note,
            ),
            TableKind::InetProtocol => out_of_range(
                "protocol",
                value("protocol") >= MAX_INET_PROTOS,
                format!("which is not below MAX_INET_PROTOS ({MAX_INET_PROTOS})"),
                "`inet_protos` has a slot per IP protocol number, 0 to 255",
                None,
            ),
            TableKind::Protosw => {
                out_of_range(
                    "type",
                    value("type") >= SOCK_MAX,
                    format!("which is not below SOCK_MAX ({SOCK_MAX})"),
                    "`inet_register_protosw` would refuse it: \"Ignoring attempt to register invalid socket type\"",
                    None,
                );
                out_of_range(
                    "protocol",
                    value("protocol") >= MAX_INET_PROTOS,
                    "which is not an IP protocol number".to_string(),
                    "IP protocol numbers are 0 to 255",
                    None,
                );
            }
            TableKind::PacketType => out_of_range(
                "type",
                value("type") > u64::from(u16::MAX),
                "which does not fit in 16 bits".to_string(),
                "an ethertype is a `u16` (`packet_type.type`)",
                None,
            ),
            TableKind::NfHook => {
                if let Some((pf, name, span)) = e.named("pf") {
                    if pf != i64::from(netgen_vtables::netfilter::NFPROTO_IPV4) {
                        diags.push(
                            Diagnostic::error(
                                format!("`{title}` is for family {}, not NFPROTO_IPV4 (2)", e.named_text("pf")),
                                span,
                                format!(
                                    "`nf_register_net_hook` would fail with EINVAL: no hook lists for {}",
                                    name.unwrap_or("this family")
                                ),
                            )
                            .with_note("only the IPv4 path is built, so only `NFPROTO_IPV4` hooks have lists"),
                        );
                    }
                }
                if let Some((hook, _, span)) = e.named("hooknum") {
                    if hook == i64::from(netgen_vtables::netfilter::NF_INET_FORWARD) {
                        diags.push(
                            Diagnostic::warning(
                                format!("`{title}` is at NF_INET_FORWARD, which never runs"),
                                span,
                                "forwarding is not built: no packet passes this point",
                            )
                            .with_note("README.md, section \"What is missing\", lists what netgen does not do yet"),
                        );
                    }
                }
            }
            TableKind::Proto => {
                if let Some((name, span)) = e.str("name") {
                    if name.len() > PROTO_NAME_MAX {
                        diags.push(
                            Diagnostic::error(
                                format!("the name of `{title}` is {} bytes long", name.len()),
                                span,
                                format!("at most {PROTO_NAME_MAX} bytes"),
                            )
                            .with_note("Linux's `prot->name` is a `char name[32]`, shown in /proc/net/protocols"),
                        );
                    }
                }
            }
        }
    }

    /// Two entries of `kind` on the same `field` number: the one
    /// registered second would fail.
    fn one_per_slot(&self, kind: TableKind, field: &str, diags: &mut Vec<Diagnostic>) {
        let mut taken: HashMap<u64, usize> = HashMap::new();
        for i in self.registration_order(kind) {
            let e = &self.entries[i];
            let Some((n, span)) = e.int(field) else {
                continue;
            };
            let Some(&first) = taken.get(&n) else {
                taken.insert(n, i);
                continue;
            };
            let f = &self.entries[first];
            let first_span = f.int(field).map_or(f.name.span, |(_, s)| s);
            let (label, note) = match kind {
                TableKind::Family => (
                    format!("`sock_register(&{})` would fail with EEXIST", e.name.name),
                    "`net_families` has one slot per family",
                ),
                _ => (
                    format!(
                        "`inet_add_protocol(&{}, {})` would fail: the slot is taken",
                        e.name.name,
                        e.number(field).map_or_else(String::new, |n| n.written())
                    ),
                    "`inet_protos` has one handler per IP protocol number",
                ),
            };
            diags.push(
                Diagnostic::error(
                    format!("`{}` and `{}` both register {field} {}", f.title(), e.title(), e.number_text(field)),
                    span,
                    label,
                )
                .with_label(first_span, format!("`{}` is registered first", f.name.name))
                .with_note(note),
            );
        }
    }

    /// A protosw's `prot` and `ops` exist, the ops are PF_INET's, and the
    /// proto is registered by the time the protosw is.
    fn protosw_refs(&self, i: usize, diags: &mut Vec<Diagnostic>) {
        let e = &self.entries[i];
        let mut resolve = |field: &str, kind: TableKind| -> Option<usize> {
            let name = e.name_of(field)?;
            if let Some(j) = self.find(kind, &name.name) {
                return Some(j);
            }
            let kw = kind.keyword();
            let mut diag = Diagnostic::error(
                format!("unknown {kw} `{}`", name.name),
                name.span,
                format!("not declared with `{kw}`"),
            )
            .with_note(format!("`{field}` names a `{kw}` section"))
            .assuming_absent(&name.name);
            let candidates = self.entries.iter().filter(|x| x.kind == kind).map(|x| x.name.name.as_str());
            if let Some(s) = closest(&name.name, candidates) {
                diag = diag.with_note(format!("did you mean `{s}`?"));
            }
            diags.push(diag);
            None
        };
        let prot = resolve("prot", TableKind::Proto);
        let ops = resolve("ops", TableKind::ProtoOps);
        if let (Some(j), Some(name)) = (ops, e.name_of("ops")) {
            let o = &self.entries[j];
            if let Some((_, span)) = o.int("family").filter(|&(f, _)| f != PF_INET) {
                diags.push(
                    Diagnostic::error(
                        format!(
                            "`{}` uses `{}`, of family {}, not PF_INET (2)",
                            e.title(),
                            o.title(),
                            o.number_text("family")
                        ),
                        name.span,
                        "`inetsw` holds PF_INET sockets: `inet_create` gives them these ops",
                    )
                    .with_label(span, format!("`{}` is for family {}", o.name.name, o.number_text("family")))
                    .with_note("a protosw's `ops` is a `proto_ops` whose `family` is PF_INET (2)"),
                );
            }
        }
        if let (Some(j), Some(name)) = (prot, e.name_of("prot")) {
            let (Some(ri), Some(rj)) = (self.registrar[i], self.registrar[j]) else {
                return;
            };
            if let (Some(mine), Some(theirs)) = (self.boot_pos[ri], self.boot_pos[rj]) {
                if theirs > mine {
                    let (rc, pc) = (&self.d.initcalls[ri], &self.d.initcalls[rj]);
                    let p = &self.entries[j];
                    let by = p.name_of("registered_by").map_or(p.name.span, |b| b.span);
                    diags.push(
                        Diagnostic::error(
                            format!("`{}` uses `{}`, which is registered after it", e.title(), p.title()),
                            name.span,
                            format!("`{}` is not registered yet when `{}` registers `{}`", p.name.name, rc.name.name, e.name.name),
                        )
                        .with_label(by, format!("registered by `{}`, which runs after `{}`", pc.name.name, rc.name.name))
                        .with_note(format!(
                            "a socket of this protosw would use an unregistered proto; register `{}` from `{}` or an earlier initcall",
                            p.name.name, rc.name.name
                        )),
                    );
                }
            }
        }
    }

    /// Two `nf_hook`s at one point with one priority: Linux allows it, and
    /// their order is their registration order (`nf_hook_entries_grow`
    /// puts a hook before those of equal priority, so the one registered
    /// last runs first). A warning naming both and which runs first.
    fn nf_hooks(&self, diags: &mut Vec<Diagnostic>) {
        // When each hook is registered in a namespace: its pernet
        // operation's place (subsys before device; then by when it is
        // registered), then its place in the spec.
        let when = |i: usize| {
            let e = &self.entries[i];
            let op = e.name_of("registered_by").and_then(|b| self.d.pernet.iter().position(|p| p.name.name == b.name));
            let device =
                op.and_then(|o| self.d.pernet[o].kind).is_some_and(|(k, _)| k == crate::ir::PernetKind::Device);
            (device, self.position(i), op, i)
        };
        let mut hooks: Vec<usize> =
            (0..self.entries.len()).filter(|&i| self.entries[i].kind == TableKind::NfHook).collect();
        hooks.sort_by_key(|&i| when(i));
        let mut seen: HashMap<(i64, i64), usize> = HashMap::new();
        for i in hooks {
            let e = &self.entries[i];
            let (Some((hook, _, _)), Some((priority, _, span))) = (e.named("hooknum"), e.named("priority")) else {
                continue;
            };
            match seen.insert((hook, priority), i) {
                None => {}
                Some(first) => {
                    let f = &self.entries[first];
                    let first_span = f.named("priority").map_or(f.name.span, |(_, _, s)| s);
                    diags.push(
                        Diagnostic::warning(
                            format!(
                                "`{}` and `{}` are both at {} with priority {priority}",
                                f.title(),
                                e.title(),
                                e.named("hooknum").and_then(|(_, n, _)| n).unwrap_or_default()
                            ),
                            span,
                            format!("registered after `{}`, so it runs before it", f.name.name),
                        )
                        .with_label(first_span, format!("`{}` is registered first", f.name.name))
                        .with_note("with equal priorities the order is the registration order: `nf_hook_entries_grow` (Linux 4.14+) inserts a hook before those of equal priority")
                        .with_note("give one of them another priority if the order matters"),
                    );
                }
            }
        }
    }

    /// `inet_register_protosw` refuses an entry with the (type, protocol)
    /// of a permanent one registered before it.
    fn permanent(&self, diags: &mut Vec<Diagnostic>) {
        let mut permanent: HashMap<(u64, u64), usize> = HashMap::new();
        // An entry whose registrar is unknown (reported) has no place in the
        // order, so whether it comes before or after a permanent one is not
        // known either.
        let order = self.registration_order(TableKind::Protosw);
        for i in order.into_iter().filter(|&i| self.registrar[i].is_some()) {
            let e = &self.entries[i];
            let (Some((ty, _)), Some((protocol, _))) = (e.int("type"), e.int("protocol")) else {
                continue;
            };
            if let Some(&first) = permanent.get(&(ty, protocol)) {
                let p = &self.entries[first];
                let flag = p.flag("PERMANENT").unwrap_or(p.name.span);
                diags.push(
                    Diagnostic::error(
                        format!(
                            "`{}` would override permanent `{}` (type {}, protocol {})",
                            e.title(),
                            p.title(),
                            e.number_text("type"),
                            e.number_text("protocol")
                        ),
                        e.name.span,
                        format!(
                            "`inet_register_protosw(&{})` would fail with EPERM: \"Attempt to override permanent protocol {protocol}\"",
                            e.name.name
                        ),
                    )
                    .with_label(flag, format!("`{}` is permanent and registered first", p.name.name))
                    .with_note("a permanent protosw cannot be overridden; give this one another type or protocol"),
                );
            } else if e.flag("PERMANENT").is_some() {
                permanent.insert((ty, protocol), i);
            }
        }
    }
}
