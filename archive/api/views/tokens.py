"""API tokens: made, listed and revoked by their owner, from a signed-in browser session."""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.response import Response
from rest_framework.views import APIView

from archive.api import tokens
from archive.api.models import ApiToken
from archive.api.permissions import SignedIn
from archive.api.throttling import TokenCreateThrottle, UserThrottle


class TokenSerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "expires_at", "revoked_at", "is_active"]


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(help_text="The secret: shown this once, never stored.")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]


class TokenCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    days = serializers.IntegerField(required=False, min_value=1, max_value=3650)


class _SessionOnly(APIView):
    # SECURITY: tokens are managed only from a browser session (password, lockout and, for
    # archivists, TOTP already passed), never with a token: a leaked token cannot mint more.
    authentication_classes = [SessionAuthentication]
    permission_classes = [SignedIn]


class TokenList(_SessionOnly):
    serializer_class = TokenSerializer

    def get_throttles(self):
        if self.request.method == "POST":
            return [TokenCreateThrottle(), UserThrottle()]
        return super().get_throttles()

    @extend_schema(responses=TokenSerializer(many=True))
    def get(self, request):
        """Your tokens, revoked and expired ones included."""
        mine = ApiToken.objects.filter(user=request.user)
        return Response(TokenSerializer(mine, many=True).data)

    @extend_schema(request=TokenCreateSerializer, responses={201: NewTokenSerializer})
    def post(self, request):
        """Make a token; its secret is in the answer and nowhere else. Accounts with two-factor
        sign-in (archivists, superusers) get 403: they use the browser session."""
        form = TokenCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        token, secret = tokens.token_create(user=request.user, **form.validated_data)
        data = {**TokenSerializer(token).data, "token": secret}
        return Response(data, status=status.HTTP_201_CREATED)


class TokenDetail(_SessionOnly):
    serializer_class = TokenSerializer

    @extend_schema(responses={204: None})
    def delete(self, request, pk):
        """Revoke one of your tokens; it stops working at the next request."""
        token = ApiToken.objects.filter(user=request.user, pk=pk).first()
        if token is None:
            raise Http404("No such token.")
        tokens.token_revoke(token=token, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
