//! Offset and reset expressions: the spec's `n < 4 ? 0x02800 + n * 0x100 :
//! 0x0C000 + n * 0x40` checked (a comparison only as a condition, names
//! only the register's index or a spec constant) and lowered to an
//! [`ir::Expr`].

use crate::analyze::decls::ConstDecl;
use crate::analyze::suggest::closest;
use crate::diag::Diagnostic;
use crate::ir;
use crate::parse::ast::{Expr, ExprKind, Value, ValueKind};

/// What an expression is: a number, or a truth (a comparison).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ty {
    Number,
    Truth,
}

/// The names an expression may use: the register's index, if it has one,
/// and the spec's constants.
pub(super) struct Scope<'a> {
    pub index: Option<&'a str>,
    pub consts: &'a [ConstDecl],
}

/// `v` as a number-valued expression: a number, a constant, the index, or
/// an expression of them. `what` names it in messages ("the offset of
/// `RDBAL`").
pub(super) fn number(v: &Value, scope: &Scope, what: &str, diags: &mut Vec<Diagnostic>) -> Option<ir::Expr> {
    match &v.kind {
        ValueKind::Int(n) => Some(ir::Expr::Int(*n)),
        ValueKind::Path(p) if !p.contains("::") => name(p, v.span, scope, diags),
        ValueKind::Expr(e) => {
            let (expr, ty) = lower(e, scope, diags)?;
            if ty == Ty::Truth {
                diags.push(truth_is_not_a_number(e, what));
                return None;
            }
            Some(expr)
        }
        other => {
            diags.push(Diagnostic::error(
                format!("{what} must be a number or an expression, found {}", other.describe()),
                v.span,
                "expected a number such as `0x00100` or an expression such as `0x01700 + n * 4`",
            ));
            None
        }
    }
}

fn truth_is_not_a_number(e: &Expr, what: &str) -> Diagnostic {
    Diagnostic::error(format!("{what} is a comparison, not a number"), e.span, "this is true or false")
        .with_note("a comparison is the condition of `cond ? a : b`, as in e1000_regs.h's `(_n) < 4 ? .. : ..`")
}

fn name(n: &str, span: crate::source::Span, scope: &Scope, diags: &mut Vec<Diagnostic>) -> Option<ir::Expr> {
    if scope.index == Some(n) {
        return Some(ir::Expr::Index);
    }
    if let Some(c) = scope.consts.iter().find(|c| c.name.name == n) {
        return Some(ir::Expr::Int(c.value));
    }
    let label = match scope.index {
        Some(i) => format!("neither the index `{i}` nor a constant"),
        None => "not a constant (this register has no index)".to_string(),
    };
    let mut d = Diagnostic::error(format!("unknown name `{n}`"), span, label).assuming_absent(n);
    let candidates = scope.index.into_iter().chain(scope.consts.iter().map(|c| c.name.name.as_str()));
    if let Some(s) = closest(n, candidates) {
        d = d.with_note(format!("did you mean `{s}`?"));
    }
    diags.push(d);
    None
}

fn lower(e: &Expr, scope: &Scope, diags: &mut Vec<Diagnostic>) -> Option<(ir::Expr, Ty)> {
    match &e.kind {
        ExprKind::Int(n) => Some((ir::Expr::Int(*n), Ty::Number)),
        ExprKind::Name(n) => Some((name(n, e.span, scope, diags)?, Ty::Number)),
        ExprKind::Binary(op, a, b) => {
            let la = lower(a, scope, diags);
            let lb = lower(b, scope, diags);
            let ((a_ir, a_ty), (b_ir, b_ty)) = (la?, lb?);
            for (ty, side) in [(a_ty, a), (b_ty, b)] {
                if ty == Ty::Truth {
                    diags.push(
                        Diagnostic::error(
                            format!("`{}` takes numbers, not a comparison", op.symbol()),
                            side.span,
                            "this is true or false",
                        )
                        .with_note("write the comparison as the condition of `cond ? a : b`"),
                    );
                    return None;
                }
            }
            let ty = if op.is_comparison() { Ty::Truth } else { Ty::Number };
            Some((ir::Expr::Binary(*op, Box::new(a_ir), Box::new(b_ir)), ty))
        }
        ExprKind::Cond(c, a, b) => {
            let lc = lower(c, scope, diags);
            let la = lower(a, scope, diags);
            let lb = lower(b, scope, diags);
            let ((c_ir, c_ty), (a_ir, a_ty), (b_ir, b_ty)) = (lc?, la?, lb?);
            if c_ty != Ty::Truth {
                diags.push(Diagnostic::error(
                    "the condition of `? :` must be a comparison",
                    c.span,
                    "a number, not a comparison such as `n < 4`",
                ));
                return None;
            }
            for (ty, side) in [(a_ty, a), (b_ty, b)] {
                if ty == Ty::Truth {
                    diags.push(truth_is_not_a_number(side, "a branch of `? :`"));
                    return None;
                }
            }
            Some((ir::Expr::Cond(Box::new(c_ir), Box::new(a_ir), Box::new(b_ir)), Ty::Number))
        }
    }
}
