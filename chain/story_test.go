package chain

import (
	"crypto/ed25519"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/pnyx-party/pnyx/codes"
	"github.com/pnyx-party/pnyx/modules/members"
	"github.com/pnyx-party/pnyx/modules/org"
	"github.com/pnyx-party/pnyx/modules/token"
)

// TestStoryChapterSignupAndStanding follows a constituency from its creation
// to a member's signup, suspension, reinstatement and withdrawal, and another
// member's expulsion.
func TestStoryChapterSignupAndStanding(t *testing.T) {
	h := newHarness(t)

	// HQ builds the tree: Seoul, and Gangnam-A under it.
	h.do(h.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "서울특별시당", Parent: "hq"})
	h.do(h.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul-gangnam-a", Name: "강남구갑 당원협의회", Parent: "seoul"})
	if c, _ := org.GetChapter(h.snap(), "seoul-gangnam-a"); c.Level != org.LevelConstituency || c.Parent != "seoul" {
		t.Fatalf("constituency chapter = %+v", c)
	}

	// HQ approves an official's key directly and makes her Seoul's registrar.
	kim := key("registrar-kim")
	h.do(h.admin, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pubHex(kim), Chapter: "seoul", Class: members.Responsible}}})
	h.do(h.admin, org.TypeGrantRole, org.RoleBody{Member: idOf(kim), Role: org.Registrar, Chapter: "seoul"})

	// Kim enrolls a newcomer in Gangnam-A with a one-time code.
	code := "GANGNAM-7F3Q-XK2P-88"
	codeHash := members.EnrollmentCodeHash(testChainID, code)
	h.do(kim, members.TypeEnroll, members.EnrollBody{Entries: []members.EnrollEntry{{CodeHash: codeHash, Chapter: "seoul-gangnam-a", Class: members.General}}})

	// The newcomer creates a key and redeems the code.
	lee := key("member-lee")
	h.do(lee, members.TypeRedeem, members.RedeemBody{Code: code})
	leeID := members.DeriveID(codeHash)
	m, ok := members.Get(h.snap(), leeID)
	if !ok || m.Status != members.Active || m.Chapter != "seoul-gangnam-a" || m.PublicKey != pubHex(lee) {
		t.Fatalf("member after redeem = %+v (found %v)", m, ok)
	}
	// ... and holds a credential and the signup grant.
	if c, ok := token.GetCredential(h.snap(), leeID); !ok || c.Status != token.CredentialActive {
		t.Fatalf("credential = %+v", c)
	}
	if b := token.GetBalance(h.snap(), leeID); b != 100 {
		t.Fatalf("balance = %d, want the genesis grant 100", b)
	}
	// The code is spent.
	h.rejectDo(key("someone-else"), members.TypeRedeem, members.RedeemBody{Code: code}, codes.NotFound)

	// Lee burns some points; the supply follows.
	h.do(lee, token.TypeBurn, token.BurnBody{Amount: 30})
	if b := token.GetBalance(h.snap(), leeID); b != 70 {
		t.Fatalf("balance after burn = %d", b)
	}
	h.rejectDo(lee, token.TypeBurn, token.BurnBody{Amount: 71}, codes.InsufficientPoints)
	// Points cannot move: this genesis leaves transfers off.
	h.rejectDo(lee, token.TypeTransfer, token.TransferBody{To: idOf(kim), Amount: 1}, codes.TransfersDisabled)

	// Kim suspends Lee for unpaid dues: the credential is suspended too.
	h.do(kim, members.TypeSuspend, members.StatusBody{Member: leeID, Reason: members.ReasonDuesUnpaid})
	if c, _ := token.GetCredential(h.snap(), leeID); c.Status != token.CredentialSuspended {
		t.Fatalf("credential after suspension = %s", c.Status)
	}
	h.rejectDo(kim, members.TypeSuspend, members.StatusBody{Member: leeID, Reason: members.ReasonDuesUnpaid}, codes.WrongState)
	h.do(kim, members.TypeReinstate, members.StatusBody{Member: leeID})

	// Lee loses the phone; Kim recovers the membership onto a new key.
	lee2 := key("member-lee-new-phone")
	h.do(kim, members.TypeRecover, members.RecoverKeyBody{Member: leeID, NewKey: pubHex(lee2)})
	h.rejectDo(lee, token.TypeBurn, token.BurnBody{Amount: 1}, codes.UnknownSigner)
	// Lee rotates once more, proving possession of the next key.
	lee3 := key("member-lee-rotated")
	sig := ed25519.Sign(lee3, members.RotationMessage(testChainID, leeID, lee3.Public().(ed25519.PublicKey)))
	h.do(lee2, members.TypeRotateKey, members.RotateKeyBody{NewKey: pubHex(lee3), NewKeySignature: hex.EncodeToString(sig)})
	// The retired key can never come back.
	h.rejectDo(kim, members.TypeRecover, members.RecoverKeyBody{Member: leeID, NewKey: pubHex(lee)}, codes.AlreadyExists)

	// Lee becomes a responsible member, moves to Seoul's own chapter, and withdraws.
	h.do(kim, members.TypeSetClass, members.SetClassBody{Member: leeID, Class: members.Responsible})
	h.do(kim, members.TypeTransfer, members.TransferBody{Member: leeID, Chapter: "seoul"})
	if ids := members.InChapter(h.snap(), "seoul", "", 10); !contains(ids, leeID) {
		t.Fatalf("seoul members %v lack %s", ids, leeID)
	}
	h.do(lee3, members.TypeWithdraw, members.WithdrawBody{})
	if c, _ := token.GetCredential(h.snap(), leeID); c.Status != token.CredentialEnded {
		t.Fatalf("credential after withdrawal = %s", c.Status)
	}
	h.rejectDo(kim, members.TypeReinstate, members.StatusBody{Member: leeID}, codes.WrongState)

	// Another member is expelled for a conduct breach: credential revoked.
	park := key("member-park")
	h.do(kim, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pubHex(park), Chapter: "seoul-gangnam-a", Class: members.General}}})
	h.do(kim, members.TypeExpel, members.StatusBody{Member: idOf(park), Reason: members.ReasonConductBreach})
	if c, _ := token.GetCredential(h.snap(), idOf(park)); c.Status != token.CredentialRevoked || c.Reason != members.ReasonConductBreach {
		t.Fatalf("credential after expulsion = %+v", c)
	}

	// Supply: admin, kim, lee and park each got 100; lee burned 30.
	if s := token.GetSupply(h.snap()); s.Total != 370 || s.Minted != 400 || s.Burned != 30 {
		t.Fatalf("supply = %+v", s)
	}
	if err := token.CheckSupply(h.snap()); err != nil {
		t.Fatal(err)
	}
}

// TestStoryAuthorityIsScoped shows that roles reach down a subtree and no
// further, and that errors say who lacked which role where.
func TestStoryAuthorityIsScoped(t *testing.T) {
	h := newHarness(t)
	for _, c := range []org.CreateChapterBody{
		{ID: "seoul", Name: "서울특별시당", Parent: "hq"},
		{ID: "busan", Name: "부산광역시당", Parent: "hq"},
		{ID: "seoul-mapo-b", Name: "마포구을", Parent: "seoul"},
	} {
		h.do(h.admin, org.TypeCreateChapter, c)
	}
	choi := key("seoul-admin-choi")
	h.do(h.admin, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pubHex(choi), Chapter: "seoul", Class: members.Responsible}}})
	h.do(h.admin, org.TypeGrantRole, org.RoleBody{Member: idOf(choi), Role: org.Admin, Chapter: "seoul"})

	// Choi administers Seoul: may create a chapter below it and appoint a registrar...
	h.do(choi, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul-jongno", Name: "종로구", Parent: "seoul"})
	// ... but admin implies no other role: approving members needs registrar.
	jung := key("mapo-registrar-jung")
	approveJung := members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pubHex(jung), Chapter: "seoul-mapo-b", Class: members.General}}}
	h.rejectDo(choi, members.TypeApprove, approveJung, codes.Unauthorized)
	// Choi appoints himself registrar of Seoul, which his admin role allows.
	h.do(choi, org.TypeGrantRole, org.RoleBody{Member: idOf(choi), Role: org.Registrar, Chapter: "seoul"})
	h.do(choi, members.TypeApprove, approveJung)
	h.do(choi, org.TypeGrantRole, org.RoleBody{Member: idOf(jung), Role: org.Registrar, Chapter: "seoul-mapo-b"})

	// Jung's registrar role reaches Mapo-B only: not Jongno, not Seoul, not Busan.
	for _, ch := range []string{"seoul-jongno", "seoul", "busan"} {
		h.rejectDo(jung, members.TypeEnroll, members.EnrollBody{Entries: []members.EnrollEntry{{CodeHash: members.EnrollmentCodeHash(testChainID, "CODE-FOR-"+ch), Chapter: ch, Class: members.General}}}, codes.Unauthorized)
	}
	h.do(jung, members.TypeEnroll, members.EnrollBody{Entries: []members.EnrollEntry{{CodeHash: members.EnrollmentCodeHash(testChainID, "CODE-FOR-MAPO"), Chapter: "seoul-mapo-b", Class: members.General}}})
	// Choi's admin reaches Seoul's subtree, not Busan, and not admin at Seoul itself.
	h.rejectDo(choi, org.TypeCreateChapter, org.CreateChapterBody{ID: "busan-x", Name: "X", Parent: "busan"}, codes.Unauthorized)
	h.rejectDo(choi, org.TypeGrantRole, org.RoleBody{Member: idOf(jung), Role: org.Admin, Chapter: "seoul"}, codes.Unauthorized)
	h.do(choi, org.TypeGrantRole, org.RoleBody{Member: idOf(jung), Role: org.Admin, Chapter: "seoul-mapo-b"})
	// Constituency chapters have no children.
	h.rejectDo(jung, org.TypeCreateChapter, org.CreateChapterBody{ID: "mapo-sub", Name: "X", Parent: "seoul-mapo-b"}, codes.InvalidArgument)
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

func TestErrorsNameTheMissingRole(t *testing.T) {
	h := newHarness(t)
	h.do(h.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "busan", Name: "부산광역시당", Parent: "hq"})
	h.do(h.admin, org.TypeCreateChapter, org.CreateChapterBody{ID: "seoul", Name: "서울특별시당", Parent: "hq"})
	kim := key("busan-registrar")
	h.do(h.admin, members.TypeApprove, members.ApproveBody{Entries: []members.ApproveEntry{{PublicKey: pubHex(kim), Chapter: "busan", Class: members.General}}})
	h.do(h.admin, org.TypeGrantRole, org.RoleBody{Member: idOf(kim), Role: org.Registrar, Chapter: "busan"})

	// A Busan registrar cannot enroll into Seoul.
	msg := h.rejectDo(kim, members.TypeEnroll, members.EnrollBody{Entries: []members.EnrollEntry{{CodeHash: members.EnrollmentCodeHash(testChainID, "SEOUL-CODE-0001"), Chapter: "seoul", Class: members.General}}}, codes.Unauthorized)
	for _, want := range []string{idOf(kim), "registrar", "seoul"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not name %q", msg, want)
		}
	}
	// Nor grant roles, nor create chapters, nor raise themselves to admin.
	h.rejectDo(kim, org.TypeGrantRole, org.RoleBody{Member: idOf(kim), Role: org.Moderator, Chapter: "busan"}, codes.Unauthorized)
	h.rejectDo(kim, org.TypeCreateChapter, org.CreateChapterBody{ID: "busan-x", Name: "X", Parent: "busan"}, codes.Unauthorized)
	h.rejectDo(kim, org.TypeGrantRole, org.RoleBody{Member: idOf(kim), Role: org.Admin, Chapter: "busan"}, codes.Unauthorized)
	// A key that belongs to no member gets the same code, naming the role.
	msg = h.rejectDo(key("stranger"), org.TypeCreateChapter, org.CreateChapterBody{ID: "x", Name: "X", Parent: "hq"}, codes.Unauthorized)
	if !strings.Contains(msg, "admin") {
		t.Errorf("stranger's error %q does not name the admin role", msg)
	}
	// A suspended official's roles do not count.
	h.do(h.admin, members.TypeSuspend, members.StatusBody{Member: idOf(kim), Reason: members.ReasonDisciplinary})
	msg = h.rejectDo(kim, members.TypeEnroll, members.EnrollBody{Entries: []members.EnrollEntry{{CodeHash: members.EnrollmentCodeHash(testChainID, "BUSAN-CODE-0001"), Chapter: "busan", Class: members.General}}}, codes.Unauthorized)
	if !strings.Contains(msg, "not active") {
		t.Errorf("suspended official's error %q does not say so", msg)
	}
	// Revoking needs authority too, and then the role is gone.
	h.do(h.admin, members.TypeReinstate, members.StatusBody{Member: idOf(kim)})
	h.do(h.admin, org.TypeRevokeRole, org.RoleBody{Member: idOf(kim), Role: org.Registrar, Chapter: "busan"})
	if org.HasRole(h.snap(), idOf(kim), org.Registrar, "busan") {
		t.Fatal("revoked role still held")
	}
	h.rejectDo(h.admin, org.TypeRevokeRole, org.RoleBody{Member: idOf(kim), Role: org.Registrar, Chapter: "busan"}, codes.NotFound)
}
